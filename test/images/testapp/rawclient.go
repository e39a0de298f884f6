package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"syscall"
	"time"
)

// rawClient is an HTTP/1.1 client on net.Conn with a pool of kept-alive connections, as a user of
// Python's http.client or of a bare connection pool writes it. It sends a request on an idle
// connection without looking whether the server has closed it, and does not retry when it has:
// the request fails (Python's RemoteDisconnected, Node's "socket hang up"). What it does right: a
// response that says `Connection: close` is the last one on its connection.
//
// With check set it looks first, as urllib3 does (a zero-timeout poll of the idle socket): a
// connection the server closed while idle is dropped and the request goes on a new one. It does
// not retry either, so a server closing a connection between the look and the write still fails
// the request.
//
// The pool is urllib3's: conns slots, each empty or holding a connection, taken in turn; an empty
// slot gets a new connection, a dropped connection leaves its slot empty; when every slot is
// busy a request gets a connection of its own, kept afterwards only if a slot is free. Slots go
// oldest first, so every pooled connection carries requests in turn, as in a pool of threads
// each holding one http.client connection (urllib3's and Node's Agent are last-in-first-out,
// which leaves the extra connections idle for longer).
type rawClient struct {
	addr     string
	request  string
	opts     rawOptions
	mu       sync.Mutex
	idle     []*rawConn // idle slots, oldest first; nil: an empty slot
	counters *connCounters
}

// rawOptions shape a rawClient.
type rawOptions struct {
	timeout  time.Duration // the whole request: write, and read to the body's end
	check    bool          // look before reuse (urllib3), or not (http.client)
	conns    int           // slots of the pool
	dial     dialFunc
	counters *connCounters
}

type rawConn struct {
	net.Conn
	br   *bufio.Reader
	used bool
}

func newRawClient(rawURL string, o rawOptions) (*rawClient, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("-url %q: %v", rawURL, err)
	}
	addr, err := hostPort(u)
	if err != nil {
		return nil, err
	}
	if o.counters == nil {
		o.counters = &connCounters{}
	}
	// HTTP/1.1 keeps the connection open unless a side says `Connection: close`.
	request := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: testapp-load\r\nAccept: */*\r\n\r\n", u.RequestURI(), u.Host)
	return &rawClient{addr: addr, request: request, opts: o, counters: o.counters, idle: make([]*rawConn, o.conns)}, nil
}

func (c *rawClient) stats() ConnStats { return c.counters.snapshot() }

func (c *rawClient) get() outcome {
	rc, err := c.take()
	if err != nil {
		return outcome{failure: classify(err)}
	}
	reused := rc.used
	if reused {
		c.counters.reused.Add(1)
	}
	rc.used = true
	fail := func(err error) outcome {
		c.drop(rc)
		f := classify(err)
		if reused {
			f += " on a reused connection"
		}
		return outcome{failure: f}
	}
	if err := rc.SetDeadline(time.Now().Add(c.opts.timeout)); err != nil {
		return fail(err)
	}
	if _, err := io.WriteString(rc, c.request); err != nil {
		return fail(err)
	}
	resp, err := http.ReadResponse(rc.br, nil)
	if err != nil {
		return fail(err)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return fail(err)
	}
	// resp.Close: the response said `Connection: close` (or HTTP/1.0 without keep-alive).
	if resp.Close {
		c.counters.announced.Add(1)
		c.drop(rc)
	} else {
		c.put(rc)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return outcome{failure: fmt.Sprintf("HTTP %d", resp.StatusCode)}
	}
	return outcome{version: resp.Header.Get("X-Version")}
}

// take gives the connection of the oldest idle slot (checked first when the client checks), a
// new one for an empty slot, or one of its own when every slot is busy.
func (c *rawClient) take() (*rawConn, error) {
	c.mu.Lock()
	var rc *rawConn
	if len(c.idle) > 0 {
		rc = c.idle[0]
		c.idle = c.idle[1:]
	}
	c.mu.Unlock()
	if rc != nil && c.opts.check && !stillOpen(rc) {
		c.counters.stale.Add(1)
		rc.Close()
		rc = nil
	}
	if rc != nil {
		return rc, nil
	}
	conn, err := c.opts.dial(context.Background(), "tcp", c.addr)
	if err != nil {
		c.release(nil)
		return nil, err
	}
	c.counters.opened.Add(1)
	return &rawConn{Conn: conn, br: bufio.NewReader(conn)}, nil
}

// put gives a connection that may carry another request back to the pool.
func (c *rawClient) put(rc *rawConn) { c.release(rc) }

// drop closes a connection that must not carry another request; its slot is left empty.
func (c *rawClient) drop(rc *rawConn) {
	rc.Close()
	c.release(nil)
}

// release frees a slot (holding rc, or empty when rc is nil) while the pool has room; a
// connection it has no room for is closed.
func (c *rawClient) release(rc *rawConn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.idle) < c.opts.conns {
		c.idle = append(c.idle, rc)
		return
	}
	if rc != nil {
		rc.Close()
	}
}

func (c *rawClient) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rc := range c.idle {
		if rc != nil {
			rc.Close()
		}
	}
	c.idle = nil
}

// stillOpen is urllib3's is_connection_dropped: an idle connection that is readable (the
// server's FIN, a reset, or bytes nobody asked for) is not reused. A peek that does not wait
// (MSG_PEEK|MSG_DONTWAIT) answers EAGAIN while the connection is open and quiet.
func stillOpen(rc *rawConn) bool {
	if rc.br.Buffered() > 0 {
		return false
	}
	sc, ok := rc.Conn.(syscall.Conn)
	if !ok {
		return true
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	// The last request's deadline may have passed: the poller would refuse the read without
	// looking at the socket.
	if err := rc.SetReadDeadline(time.Time{}); err != nil {
		return false
	}
	open := false
	var buf [1]byte
	err = raw.Read(func(fd uintptr) bool {
		_, _, rerr := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		// n == 0 with no error is the FIN; n > 0 is data no request asked for; any other error
		// (ECONNRESET) a dead connection.
		open = rerr == syscall.EAGAIN || rerr == syscall.EWOULDBLOCK
		return true
	})
	return err == nil && open
}
