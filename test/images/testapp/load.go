// `testapp load`: a bounded HTTP load (rate and duration capped) that counts failures by cause,
// sent as one of four kinds of client. What a rollout costs a client depends on how it treats a
// kept-alive connection the old pod closes: HTTP/1.1 lets a server close an idle connection at
// any time (RFC 9112 §9.3.1), and only some clients look, or retry, when it has.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Limits that keep every load bounded whatever the flags say.
const (
	maxRate     = 2000
	maxDuration = 10 * time.Minute
	maxConns    = 256
)

// The kinds of client (-client).
const (
	// A new TCP connection per request (Go's transport with keep-alives off).
	clientNew = "new"
	// Go's transport, connections kept alive: a request sent on a reused connection that the
	// server had closed is retried on a new one by the transport itself (a GET, before any byte
	// of the response), so the caller never sees that failure.
	clientKeepAlive = "keepalive"
	// A pool of kept-alive connections that looks at an idle connection before reusing it, as
	// urllib3 (Python's requests) does: one the server closed is dropped. No retry.
	clientChecking = "checking"
	// A pool of kept-alive connections that reuses them without looking and never retries, as a
	// user of Python's http.client or of a bare connection pool writes it.
	clientNaive = "naive"
)

var clientKinds = []string{clientNew, clientKeepAlive, clientChecking, clientNaive}

// Summary is what `testapp load` prints on stdout when it stops: one JSON object.
type Summary struct {
	URL         string         `json:"url"`
	Client      string         `json:"client"`
	KeepAlive   bool           `json:"keepAlive"`
	Rate        int            `json:"rate"`
	StartedAt   time.Time      `json:"startedAt"`
	EndedAt     time.Time      `json:"endedAt"`
	Requests    int64          `json:"requests"`
	OK          int64          `json:"ok"`
	Failed      int64          `json:"failed"`
	Errors      map[string]int `json:"errors"`
	ByVersion   map[string]int `json:"byVersion"`
	Failures    []Failure      `json:"failures"`
	Connections ConnStats      `json:"connections"`
	StopReason  string         `json:"stopReason"`
}

// Failure is one failed request: when it was sent, how long it took, and why.
type Failure struct {
	At      time.Time `json:"at"`
	Elapsed float64   `json:"elapsedMs"`
	Error   string    `json:"error"`
}

// ConnStats says what the client did with its connections.
type ConnStats struct {
	// TCP connections opened.
	Opened int64 `json:"opened"`
	// Requests sent on a connection that had carried one before.
	Reused int64 `json:"reused"`
	// Responses that said `Connection: close` (the client opened a new connection after them);
	// not counted for `new`, which asks for it itself.
	Announced int64 `json:"announced"`
	// Idle connections the check found closed by the server, and dropped (checking only).
	Stale int64 `json:"stale"`
}

type connCounters struct{ opened, reused, announced, stale atomic.Int64 }

func (c *connCounters) snapshot() ConnStats {
	return ConnStats{Opened: c.opened.Load(), Reused: c.reused.Load(), Announced: c.announced.Load(), Stale: c.stale.Load()}
}

// outcome is one request's result: the version that answered 2xx, or why it failed.
type outcome struct {
	version string
	failure string
}

// client sends one GET and says how it went; close releases its idle connections.
type client interface {
	get() outcome
	close()
	stats() ConnStats
}

type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// loadConfig is a load as its flags describe it, once checked.
type loadConfig struct {
	url      string
	client   string
	rate     int
	duration time.Duration
	timeout  time.Duration
	conns    int
	progress time.Duration
	stopFile string
}

func load(args []string) int {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	var cfg loadConfig
	fs.StringVar(&cfg.url, "url", "", "URL to GET (http://)")
	fs.StringVar(&cfg.client, "client", clientNew, strings.Join(clientKinds, ", ")+
		": a new connection per request; Go's transport keeping connections alive (retries a request on a reused connection the server closed); a pool that checks an idle connection is still open before reusing it (urllib3), no retry; a pool that reuses without checking, no retry (http.client)")
	fs.IntVar(&cfg.rate, "rate", 200, fmt.Sprintf("requests per second (at most %d)", maxRate))
	fs.DurationVar(&cfg.duration, "duration", 30*time.Second, fmt.Sprintf("stop after this long (at most %s); SIGINT/SIGTERM stop earlier", maxDuration))
	fs.DurationVar(&cfg.timeout, "timeout", 2*time.Second, "per-request timeout")
	fs.IntVar(&cfg.conns, "conns", 8, fmt.Sprintf("checking and naive: the pool's slots (urllib3's maxsize; at most %d), each holding a kept-alive connection, taken oldest first so each carries requests in turn", maxConns))
	fs.DurationVar(&cfg.progress, "progress", 0, "print a progress line on stderr this often (0: never)")
	fs.StringVar(&cfg.stopFile, "stop-file", "", "stop when this file exists")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := cfg.check(); err != nil {
		fmt.Fprintf(os.Stderr, "testapp load: %v\n", err)
		return 2
	}
	c, err := newClient(cfg, sequentialPorts(cfg.timeout))
	if err != nil {
		fmt.Fprintf(os.Stderr, "testapp load: %v\n", err)
		return 2
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	sum := runLoad(cfg, c, sigs, os.Stderr)
	out, _ := json.Marshal(sum)
	fmt.Println(string(out))
	return 0
}

// check refuses what cannot run and caps the rest at the limits.
func (cfg *loadConfig) check() error {
	if cfg.url == "" || cfg.rate <= 0 || cfg.duration <= 0 || cfg.timeout <= 0 {
		return errors.New("-url, a positive -rate, -duration and -timeout are required")
	}
	if !slices.Contains(clientKinds, cfg.client) {
		return fmt.Errorf("-client %q: one of %s", cfg.client, strings.Join(clientKinds, ", "))
	}
	if cfg.conns < 1 {
		return errors.New("-conns must be at least 1")
	}
	cfg.rate = min(cfg.rate, maxRate)
	cfg.duration = min(cfg.duration, maxDuration)
	cfg.conns = min(cfg.conns, maxConns)
	return nil
}

// newClient builds the client cfg names, dialling through dial.
func newClient(cfg loadConfig, dial dialFunc) (client, error) {
	counters := &connCounters{}
	switch cfg.client {
	case clientChecking, clientNaive:
		return newRawClient(cfg.url, rawOptions{timeout: cfg.timeout, check: cfg.client == clientChecking, conns: cfg.conns, dial: dial, counters: counters})
	}
	counting := func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err == nil {
			counters.opened.Add(1)
		}
		return c, err
	}
	tr := &http.Transport{
		DisableKeepAlives:   cfg.client == clientNew,
		MaxIdleConnsPerHost: 64,
		DialContext:         counting,
		Proxy:               nil,
	}
	hc := &http.Client{Transport: tr, Timeout: cfg.timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &goClient{hc: hc, tr: tr, url: cfg.url, keepAlive: cfg.client == clientKeepAlive, counters: counters}, nil
}

// goClient is Go's net/http client: `new` (keep-alives off) and `keepalive`.
type goClient struct {
	hc        *http.Client
	tr        *http.Transport
	url       string
	keepAlive bool
	counters  *connCounters
}

func (g *goClient) get() outcome {
	trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) {
		if i.Reused {
			g.counters.reused.Add(1)
		}
	}}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), http.MethodGet, g.url, nil)
	if err != nil {
		return outcome{failure: err.Error()}
	}
	resp, err := g.hc.Do(req)
	if err != nil {
		return outcome{failure: classify(err)}
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if g.keepAlive && resp.Close {
		g.counters.announced.Add(1)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return outcome{failure: fmt.Sprintf("HTTP %d", resp.StatusCode)}
	}
	return outcome{version: resp.Header.Get("X-Version")}
}

func (g *goClient) close() { g.tr.CloseIdleConnections() }

func (g *goClient) stats() ConnStats { return g.counters.snapshot() }

// runLoad sends cfg.rate GETs a second through c, each on its own goroutine, until cfg.duration
// passes, a signal arrives on stop or cfg.stopFile exists; then waits for the requests under
// way (each bounded by its timeout) and sums up.
func runLoad(cfg loadConfig, c client, stop <-chan os.Signal, progressOut io.Writer) Summary {
	sum := Summary{URL: cfg.url, Client: cfg.client, KeepAlive: cfg.client != clientNew, Rate: cfg.rate, StartedAt: time.Now().UTC(),
		Errors: map[string]int{}, ByVersion: map[string]int{}, Failures: []Failure{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	record := func(at time.Time, o outcome) {
		mu.Lock()
		defer mu.Unlock()
		if o.failure == "" {
			sum.OK++
			sum.ByVersion[o.version]++
			return
		}
		sum.Failed++
		sum.Errors[o.failure]++
		if len(sum.Failures) < 200 {
			sum.Failures = append(sum.Failures, Failure{At: at.UTC(), Elapsed: float64(time.Since(at).Microseconds()) / 1000, Error: o.failure})
		}
	}
	one := func() {
		defer wg.Done()
		at := time.Now()
		record(at, c.get())
	}

	tick := time.NewTicker(time.Second / time.Duration(cfg.rate))
	defer tick.Stop()
	end := time.After(cfg.duration)
	var progressC <-chan time.Time
	if cfg.progress > 0 {
		pt := time.NewTicker(cfg.progress)
		defer pt.Stop()
		progressC = pt.C
	}
	check := time.NewTicker(100 * time.Millisecond)
	defer check.Stop()
loop:
	for {
		select {
		case <-tick.C:
			mu.Lock()
			sum.Requests++
			mu.Unlock()
			wg.Add(1)
			go one()
		case <-progressC:
			mu.Lock()
			fmt.Fprintf(progressOut, "%s load: sent=%d ok=%d failed=%d\n", time.Now().UTC().Format(time.RFC3339), sum.Requests, sum.OK, sum.Failed)
			mu.Unlock()
		case <-check.C:
			if cfg.stopFile != "" {
				if _, err := os.Stat(cfg.stopFile); err == nil {
					sum.StopReason = "stop-file"
					break loop
				}
			}
		case s := <-stop:
			sum.StopReason = sigName(s)
			break loop
		case <-end:
			sum.StopReason = "duration"
			break loop
		}
	}
	wg.Wait()
	c.close()
	sum.EndedAt = time.Now().UTC()
	sum.Connections = c.stats()
	sort.Slice(sum.Failures, func(i, j int) bool { return sum.Failures[i].At.Before(sum.Failures[j].At) })
	return sum
}

// classify turns a client error into a short stable kind, so a report can count them.
func classify(err error) string {
	s := err.Error()
	switch {
	case strings.Contains(s, "connection refused"):
		return "connection refused"
	case strings.Contains(s, "connection reset"):
		return "connection reset"
	case strings.Contains(s, "broken pipe"):
		return "broken pipe"
	case strings.Contains(s, "Client.Timeout") || strings.Contains(s, "timeout") || strings.Contains(s, "deadline exceeded"):
		return "timeout"
	case strings.Contains(s, "EOF"):
		return "EOF"
	case strings.Contains(s, "no route to host"):
		return "no route to host"
	case strings.Contains(s, "network is unreachable"):
		return "network unreachable"
	}
	return s
}

// hostPort is the address to dial for an http:// URL (port 80 when it names none).
func hostPort(u *url.URL) (string, error) {
	if u.Scheme != "http" {
		return "", fmt.Errorf("-url %q: only http:// is supported", u.String())
	}
	if u.Port() == "" {
		return net.JoinHostPort(u.Hostname(), "80"), nil
	}
	return u.Host, nil
}

// Source ports for new connections, handed out in order across a wide range. One client opening
// a new connection per request to one Service reuses the kernel's ephemeral ports within about two
// minutes; a reused port meets the conntrack entry of its earlier connection, still in TIME_WAIT
// (120 s) and still NATed to the pod that served it, which may be gone: a failure no real client
// population causes. Taking ports in order, a port comes back only after 40,000 connections.
// Each process starts at a random place in the range: a load run right after another in the same
// namespace (rollouts in a row) would otherwise walk the ports the previous run's sockets still
// hold in TIME_WAIT, and bind fails (EADDRINUSE) on every one of a whole stretch.
const (
	firstSourcePort = 20000
	lastSourcePort  = 60999
	// How many ports a dial may try before it gives up: a stretch of ports in TIME_WAIT is skipped.
	sourcePortTries = 2000
)

var nextSourcePort atomic.Int64

func init() {
	nextSourcePort.Store(time.Now().UnixNano() % int64(lastSourcePort-firstSourcePort+1))
}

func sequentialPorts(timeout time.Duration) dialFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		var lastErr error
		for try := 0; try < sourcePortTries; try++ {
			port := firstSourcePort + int(nextSourcePort.Add(1)%int64(lastSourcePort-firstSourcePort+1))
			d := net.Dialer{Timeout: timeout, LocalAddr: &net.TCPAddr{Port: port}}
			c, err := d.DialContext(ctx, network, addr)
			if err == nil || !errors.Is(err, syscall.EADDRINUSE) {
				return c, err
			}
			lastErr = err
		}
		return nil, lastErr
	}
}
