package main

import (
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startApp serves a testapp on a loopback port and returns its URL; the server is shut down
// (or found shut down) when the test ends.
func startApp(t *testing.T, a *app) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = a.srv.Serve(ln) }()
	t.Cleanup(func() { _ = a.srv.Close() })
	return "http://" + ln.Addr().String() + "/"
}

func plainApp() *app {
	return newApp(appOptions{healthPath: "/healthz", status: 200, host: "test", version: "v1"})
}

func testDialer() dialFunc { return (&net.Dialer{Timeout: 5 * time.Second}).DialContext }

func newTestRawClient(t *testing.T, url string, check bool, conns int) *rawClient {
	t.Helper()
	c, err := newRawClient(url, rawOptions{timeout: 5 * time.Second, check: check, conns: conns, dial: testDialer()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.close)
	return c
}

func mustOK(t *testing.T, o outcome) {
	t.Helper()
	if o.failure != "" {
		t.Fatalf("request failed: %s", o.failure)
	}
}

// waitFor polls a condition, bounded.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitClosedByServer blocks (in the poller, bounded) until the server's FIN or reset has reached
// the idle connection: the moment after which a client that looks can see it is closed.
func waitClosedByServer(t *testing.T, rc *rawConn) {
	t.Helper()
	if err := rc.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	raw, err := rc.Conn.(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var buf [1]byte
	err = raw.Read(func(fd uintptr) bool {
		_, _, e := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return e != syscall.EAGAIN
	})
	if err != nil {
		t.Fatalf("the server never closed the idle connection: %v", err)
	}
	if err := rc.SetReadDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
}

func TestAnnounceAnswersConnectionCloseFromSIGTERMUntilShutdown(t *testing.T) {
	a := plainApp()
	url := startApp(t, a)
	c := newTestRawClient(t, url, false, 1)

	mustOK(t, c.get())
	mustOK(t, c.get())
	if s := c.stats(); s.Opened != 1 || s.Reused != 1 || s.Announced != 0 {
		t.Fatalf("before SIGTERM the connection is kept alive and reused: %+v", s)
	}

	endDrain := make(chan struct{})
	stopped := make(chan error, 1)
	go func() { stopped <- a.stop(true, time.Hour, endDrain) }()
	waitFor(t, "the drain to start", a.draining.Load)

	// Every answer of the drain says Connection: close: the client opens a new connection each time.
	mustOK(t, c.get())
	mustOK(t, c.get())
	if s := c.stats(); s.Opened != 2 || s.Announced != 2 || s.Reused != 2 {
		t.Fatalf("during the drain each response says Connection: close and is the last on its connection: %+v", s)
	}
	if got := a.announced.Load(); got != 2 {
		t.Fatalf("the app counted %d announced responses, want 2", got)
	}

	close(endDrain)
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the app did not shut down once the drain ended")
	}
	if o := c.get(); o.failure != "connection refused" {
		t.Fatalf("after shutdown the listener is closed: got %+v", o)
	}
}

func TestGracefulShutdownClosesIdleConnectionsWithoutAWord(t *testing.T) {
	a := plainApp()
	url := startApp(t, a)
	c := newTestRawClient(t, url, false, 1)
	mustOK(t, c.get())

	if err := a.stop(false, 0, nil); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if a.announced.Load() != 0 {
		t.Fatal("graceful mode announced a response")
	}
	// The idle connection was closed under the client: the naive client reuses it and fails.
	o := c.get()
	if !strings.HasSuffix(o.failure, " on a reused connection") {
		t.Fatalf("want a failure on the reused connection, got %+v", o)
	}
}

func TestServeRefusesAnUnknownSigtermMode(t *testing.T) {
	if code := serve([]string{"-on-sigterm", "drain"}); code != 2 {
		t.Fatalf("serve -on-sigterm drain: exit %d, want 2", code)
	}
}

func TestAnnounceCloseLeavesOtherHeadersAlone(t *testing.T) {
	a := plainApp()
	a.draining.Store(true)
	url := startApp(t, a)
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !resp.Close || resp.Header.Get("X-Version") != "v1" || resp.StatusCode != 200 {
		t.Fatalf("want 200, X-Version v1 and Connection: close; got %d %v close=%v", resp.StatusCode, resp.Header, resp.Close)
	}
}
