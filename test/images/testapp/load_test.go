package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// A server that closes its idle kept-alive connections while it goes on listening: what a pod
// does at shutdown as kube-proxy sees it (new connections go elsewhere), or any server whose
// keep-alive timeout is shorter than the client's. Go's SetKeepAlivesEnabled(false) closes the
// idle ones at once; the answers after it say Connection: close.
func closeIdle(a *app) { a.srv.SetKeepAlivesEnabled(false) }

func TestNaiveClientFailsOnAConnectionTheServerClosedWhileIdle(t *testing.T) {
	a := plainApp()
	c := newTestRawClient(t, startApp(t, a), false, 1)
	mustOK(t, c.get())
	rc := c.idle[0]
	closeIdle(a)
	waitClosedByServer(t, rc)

	o := c.get()
	kind, ok := strings.CutSuffix(o.failure, " on a reused connection")
	if !ok || (kind != "EOF" && kind != "connection reset" && kind != "broken pipe") {
		t.Fatalf("want EOF, a reset or a broken pipe on the reused connection (Python's RemoteDisconnected), got %+v", o)
	}
	// It does not retry: the next request opens a new connection and is answered.
	mustOK(t, c.get())
	if s := c.stats(); s.Opened != 2 || s.Stale != 0 {
		t.Fatalf("connections: %+v", s)
	}
}

func TestCheckingClientDropsAConnectionTheServerClosedWhileIdle(t *testing.T) {
	a := plainApp()
	c := newTestRawClient(t, startApp(t, a), true, 1)
	mustOK(t, c.get())
	rc := c.idle[0]
	closeIdle(a)
	waitClosedByServer(t, rc)

	mustOK(t, c.get())
	if s := c.stats(); s.Stale != 1 || s.Opened != 2 {
		t.Fatalf("the check finds the closed connection and the request goes on a new one: %+v", s)
	}
}

func TestCheckingClientReusesAnOpenConnection(t *testing.T) {
	c := newTestRawClient(t, startApp(t, plainApp()), true, 1)
	for range 3 {
		mustOK(t, c.get())
	}
	if s := c.stats(); s.Opened != 1 || s.Reused != 2 || s.Stale != 0 {
		t.Fatalf("an open idle connection passes the check: %+v", s)
	}
}

func TestGoTransportRetriesOnAConnectionTheServerClosedWhileIdle(t *testing.T) {
	a := plainApp()
	url := startApp(t, a)
	c, err := newClient(loadConfig{url: url, client: clientKeepAlive, timeout: 5 * time.Second, conns: 1}, testDialer())
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	mustOK(t, c.get())
	closeIdle(a)
	// Whether or not the FIN has arrived, the transport hides it: it sees the dead connection
	// before writing, or retries the GET on a new one.
	mustOK(t, c.get())
	if s := c.stats(); s.Opened != 2 {
		t.Fatalf("connections: %+v", s)
	}
}

func TestNaiveAndCheckingClientsHonourConnectionClose(t *testing.T) {
	for _, check := range []bool{false, true} {
		t.Run(fmt.Sprintf("check=%v", check), func(t *testing.T) {
			a := plainApp()
			a.draining.Store(true)
			c := newTestRawClient(t, startApp(t, a), check, 1)
			for range 3 {
				mustOK(t, c.get())
			}
			if s := c.stats(); s.Opened != 3 || s.Reused != 0 || s.Announced != 3 {
				t.Fatalf("a response saying Connection: close is the last on its connection: %+v", s)
			}
		})
	}
}

func TestPoolCarriesRequestsOnEachConnectionInTurn(t *testing.T) {
	var mu sync.Mutex
	var from []string
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		from = append(from, r.RemoteAddr)
		mu.Unlock()
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	c := newTestRawClient(t, "http://"+ln.Addr().String()+"/", false, 3)
	for range 7 {
		mustOK(t, c.get())
	}
	// Three connections opened, then reused oldest first: a b c a b c a.
	for i := 3; i < len(from); i++ {
		if from[i] != from[i-3] {
			t.Fatalf("request %d came from %s, want the connection of request %d (%s): %v", i, from[i], i-3, from[i-3], from)
		}
	}
	if from[0] == from[1] || from[1] == from[2] || from[0] == from[2] {
		t.Fatalf("the first three requests open three connections: %v", from)
	}
}

func TestRawClientTimesOutAServerThatNeverAnswers(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				_, _ = io.Copy(io.Discard, conn)
			}()
		}
	}()
	c, err := newRawClient("http://"+ln.Addr().String()+"/", rawOptions{timeout: 100 * time.Millisecond, conns: 1, dial: testDialer()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	if o := c.get(); o.failure != "timeout" {
		t.Fatalf("want a timeout, got %+v", o)
	}
}

func TestRawClientCountsAnErrorStatusAsAFailure(t *testing.T) {
	a := newApp(appOptions{healthPath: "/healthz", status: 503, host: "test", version: "v1"})
	c := newTestRawClient(t, startApp(t, a), false, 1)
	if o := c.get(); o.failure != "HTTP 503" {
		t.Fatalf("want HTTP 503, got %+v", o)
	}
	// The connection stays usable after an error status.
	if o := c.get(); o.failure != "HTTP 503" || c.stats().Opened != 1 {
		t.Fatalf("want HTTP 503 on the same connection, got %+v %+v", o, c.stats())
	}
}

func TestRunLoadSendsAtItsRateUntilStoppedAndSumsUp(t *testing.T) {
	for _, kind := range clientKinds {
		t.Run(kind, func(t *testing.T) {
			url := startApp(t, plainApp())
			cfg := loadConfig{url: url, client: kind, rate: 200, duration: time.Hour, timeout: 5 * time.Second, conns: 4}
			if err := cfg.check(); err != nil {
				t.Fatal(err)
			}
			c, err := newClient(cfg, testDialer())
			if err != nil {
				t.Fatal(err)
			}
			stop := make(chan os.Signal, 1)
			progress := &lineWriter{lines: make(chan string, 100)}
			cfg.progress = 10 * time.Millisecond
			done := make(chan Summary, 1)
			go func() { done <- runLoad(cfg, c, stop, progress) }()
			// Stopped by a signal once it has been answered a few times.
			waitProgress(t, progress, 5)
			stop <- syscall.SIGINT
			var s Summary
			select {
			case s = <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("the load did not stop on SIGINT")
			}
			if s.Client != kind || s.KeepAlive != (kind != clientNew) || s.StopReason != "sigint" {
				t.Fatalf("summary: %+v", s)
			}
			if s.Requests == 0 || s.OK != s.Requests || s.Failed != 0 || s.ByVersion["v1"] != int(s.OK) {
				t.Fatalf("every request answered by v1: %+v", s)
			}
			if kind == clientNew && s.Connections.Opened != s.Requests {
				t.Fatalf("new: a connection per request: %+v", s.Connections)
			}
			if kind != clientNew && s.Connections.Opened > int64(cfg.conns)+s.Requests/2 {
				t.Fatalf("%s: connections kept alive: %+v of %d requests", kind, s.Connections, s.Requests)
			}
		})
	}
}

// waitProgress reads progress lines until one says at least ok requests were answered (bounded).
func waitProgress(t *testing.T, w *lineWriter, ok int) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case line := <-w.lines:
			var n int
			if _, after, found := strings.Cut(line, " ok="); found {
				if _, err := fmt.Sscanf(after, "%d", &n); err == nil && n >= ok {
					return
				}
			}
		case <-deadline:
			t.Fatalf("no progress line with ok >= %d", ok)
		}
	}
}

// lineWriter hands each progress line to the test.
type lineWriter struct{ lines chan string }

func (w *lineWriter) Write(p []byte) (int, error) {
	for _, l := range strings.Split(strings.TrimSpace(string(p)), "\n") {
		select {
		case w.lines <- l:
		default:
		}
	}
	return len(p), nil
}

func TestLoadRefusesWhatCannotRun(t *testing.T) {
	for _, args := range [][]string{
		{"-url", "http://127.0.0.1:1/", "-client", "pooled"},
		{"-url", "http://127.0.0.1:1/", "-client", "naive", "-conns", "0"},
		{"-url", "https://127.0.0.1:1/", "-client", "naive"},
		{"-rate", "10"},
	} {
		if code := load(args); code != 2 {
			t.Errorf("load %v: exit %d, want 2", args, code)
		}
	}
}

func TestLoadCapsRateDurationAndConnections(t *testing.T) {
	cfg := loadConfig{url: "http://x/", client: clientNaive, rate: 1e6, duration: 24 * time.Hour, timeout: time.Second, conns: 1e6}
	if err := cfg.check(); err != nil {
		t.Fatal(err)
	}
	if cfg.rate != maxRate || cfg.duration != maxDuration || cfg.conns != maxConns {
		t.Fatalf("caps: %+v", cfg)
	}
}

func TestClassifyNamesCauses(t *testing.T) {
	cases := map[string]error{
		"connection refused": errors.New("dial tcp 10.0.0.1:80: connect: connection refused"),
		"connection reset":   errors.New("read tcp 1->2: read: connection reset by peer"),
		"broken pipe":        errors.New("write tcp 1->2: write: broken pipe"),
		"timeout":            errors.New("read tcp 1->2: i/o timeout"),
		"EOF":                io.ErrUnexpectedEOF,
		"no route to host":   errors.New("connect: no route to host"),
	}
	for want, err := range cases {
		if got := classify(err); got != want {
			t.Errorf("classify(%q) = %q, want %q", err, got, want)
		}
	}
}
