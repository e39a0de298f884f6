// testapp is the one program the real-node tests run in their pods, and the load generator that
// measures them. Its behaviour is picked by flags, so one image covers every case:
//
//	testapp serve [flags]   an HTTP app: ready after a delay, graceful or abrupt on SIGTERM,
//	                        crashing, allocating memory, redirecting plain HTTP to HTTPS
//	testapp load  [flags]   a bounded HTTP load (rate and duration capped) that counts failures
//	testapp registry [flags] the real node's image registry on its loopback: holds no image, so
//	                        every pull gets a real registry's answer (manifest unknown, or
//	                        unauthorized for names under private/)
//
// Every line it logs starts with an RFC 3339 timestamp, so a test can put "SIGTERM received"
// next to the kubelet's events.
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
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	args := os.Args[1:]
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		os.Exit(serve(args))
	case "load":
		os.Exit(load(args))
	case "registry":
		os.Exit(registry(args))
	default:
		fmt.Fprintf(os.Stderr, "testapp: unknown command %q (serve, load, registry)\n", cmd)
		os.Exit(2)
	}
}

func logf(format string, a ...any) {
	fmt.Printf("%s testapp: %s\n", time.Now().UTC().Format(time.RFC3339Nano), fmt.Sprintf(format, a...))
}

// envOr lets a Deployment pick a behaviour through env as well as args.
func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func serve(args []string) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	port := fs.Int("port", atoiOr(envOr("PORT", "8080"), 8080), "port to listen on (env PORT)")
	healthPath := fs.String("health-path", "/healthz", "path that answers 200 once ready")
	listenAfter := fs.Duration("listen-after", 0, "open the port only after this long (connection refused before)")
	readyAfter := fs.Duration("ready-after", 0, "answer 503 on every path until this long after start")
	status := fs.Int("status", 200, "status of every answer once ready (503: never healthy)")
	onSigterm := fs.String("on-sigterm", "graceful", "graceful (stop accepting, finish in-flight, close keep-alives), exit (at once), ignore")
	drainDelay := fs.Duration("drain-delay", 0, "on SIGTERM, keep serving this long before shutting down")
	responseDelay := fs.Duration("response-delay", 0, "time spent on each request")
	redirectHTTPS := fs.Bool("redirect-https", false, "redirect plain HTTP to https:// unless X-Forwarded-Proto: https or X-Forwarded-Ssl: on (Rails force_ssl)")
	allocMB := fs.Int("alloc-mb", 0, "allocate and touch this many MiB at start")
	exitAfter := fs.Duration("exit-after", -1, "exit with -exit-code after this long (-1: never)")
	exitCode := fs.Int("exit-code", 1, "exit code for -exit-after")
	version := fs.String("version", envOr("VERSION", "v1"), "version named in every answer (env VERSION)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	start := time.Now()
	host, _ := os.Hostname()
	logf("starting version=%s pid=%d", *version, os.Getpid())

	if *allocMB > 0 {
		held := make([][]byte, 0, *allocMB)
		for i := 0; i < *allocMB; i++ {
			b := make([]byte, 1<<20)
			for j := 0; j < len(b); j += 4096 {
				b[j] = 1
			}
			held = append(held, b)
		}
		logf("allocated %d MiB", len(held))
		defer func() { _ = held }()
	}
	if *exitAfter >= 0 {
		go func() {
			time.Sleep(*exitAfter)
			logf("exiting with code %d as asked", *exitCode)
			os.Exit(*exitCode)
		}()
	}

	var inFlight atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		inFlight.Add(1)
		defer inFlight.Add(-1)
		if *redirectHTTPS && r.Header.Get("X-Forwarded-Proto") != "https" && r.Header.Get("X-Forwarded-Ssl") != "on" {
			http.Redirect(w, r, "https://"+r.Host+r.URL.RequestURI(), http.StatusMovedPermanently)
			return
		}
		if time.Since(start) < *readyAfter {
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		if *responseDelay > 0 {
			time.Sleep(*responseDelay)
		}
		code := *status
		if r.URL.Path == *healthPath && code == 200 {
			w.WriteHeader(200)
			fmt.Fprintln(w, "ok")
			return
		}
		w.Header().Set("X-Served-By", host)
		w.Header().Set("X-Version", *version)
		w.WriteHeader(code)
		fmt.Fprintf(w, "%s %s\n", host, *version)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	done := make(chan int, 1)
	go func() {
		for sig := range sigs {
			logf("%s received in_flight=%d", strings.ToUpper(sigName(sig)), inFlight.Load())
			switch *onSigterm {
			case "ignore":
				continue
			case "exit":
				logf("exiting at once")
				os.Exit(0)
			}
			if *drainDelay > 0 {
				time.Sleep(*drainDelay)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			err := srv.Shutdown(ctx)
			cancel()
			logf("shut down (in_flight=%d, err=%v)", inFlight.Load(), err)
			done <- 0
			return
		}
	}()

	if *listenAfter > 0 {
		time.Sleep(*listenAfter)
	}
	ln, err := net.Listen("tcp", fmt.Sprintf(":%d", *port))
	if err != nil {
		logf("listen: %v", err)
		return 1
	}
	logf("listening on :%d", *port)
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		logf("serve: %v", err)
		return 1
	}
	return <-done
}

func sigName(s os.Signal) string {
	if s == syscall.SIGTERM {
		return "sigterm"
	}
	return "sigint"
}

func atoiOr(s string, def int) int {
	var n int
	if _, err := fmt.Sscanf(s, "%d", &n); err != nil {
		return def
	}
	return n
}

// Limits that keep every load bounded whatever the flags say.
const (
	maxRate     = 2000
	maxDuration = 10 * time.Minute
)

// Summary is what `testapp load` prints on stdout when it stops: one JSON object.
type Summary struct {
	URL        string         `json:"url"`
	KeepAlive  bool           `json:"keepAlive"`
	Rate       int            `json:"rate"`
	StartedAt  time.Time      `json:"startedAt"`
	EndedAt    time.Time      `json:"endedAt"`
	Requests   int64          `json:"requests"`
	OK         int64          `json:"ok"`
	Failed     int64          `json:"failed"`
	Errors     map[string]int `json:"errors"`
	ByVersion  map[string]int `json:"byVersion"`
	Failures   []Failure      `json:"failures"`
	StopReason string         `json:"stopReason"`
}

// Failure is one failed request: when it was sent, how long it took, and why.
type Failure struct {
	At      time.Time `json:"at"`
	Elapsed float64   `json:"elapsedMs"`
	Error   string    `json:"error"`
}

func load(args []string) int {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	url := fs.String("url", "", "URL to GET")
	rate := fs.Int("rate", 200, fmt.Sprintf("requests per second (at most %d)", maxRate))
	duration := fs.Duration("duration", 30*time.Second, fmt.Sprintf("stop after this long (at most %s); SIGINT/SIGTERM stop earlier", maxDuration))
	timeout := fs.Duration("timeout", 2*time.Second, "per-request timeout")
	keepAlive := fs.Bool("keepalive", false, "reuse connections (else a new TCP connection per request)")
	progress := fs.Duration("progress", 0, "print a progress line on stderr this often (0: never)")
	stopFile := fs.String("stop-file", "", "stop when this file exists")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *url == "" || *rate <= 0 || *duration <= 0 {
		fmt.Fprintln(os.Stderr, "testapp load: -url, a positive -rate and -duration are required")
		return 2
	}
	if *rate > maxRate {
		*rate = maxRate
	}
	if *duration > maxDuration {
		*duration = maxDuration
	}
	tr := &http.Transport{
		DisableKeepAlives:   !*keepAlive,
		MaxIdleConnsPerHost: 64,
		DialContext:         sequentialPorts(*timeout),
		Proxy:               nil,
	}
	client := &http.Client{Transport: tr, Timeout: *timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	sum := Summary{URL: *url, KeepAlive: *keepAlive, Rate: *rate, StartedAt: time.Now().UTC(), Errors: map[string]int{}, ByVersion: map[string]int{}, Failures: []Failure{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	record := func(at time.Time, version string, err string) {
		mu.Lock()
		defer mu.Unlock()
		if err == "" {
			sum.OK++
			sum.ByVersion[version]++
			return
		}
		sum.Failed++
		sum.Errors[err]++
		if len(sum.Failures) < 200 {
			sum.Failures = append(sum.Failures, Failure{At: at.UTC(), Elapsed: float64(time.Since(at).Microseconds()) / 1000, Error: err})
		}
	}
	one := func() {
		defer wg.Done()
		at := time.Now()
		resp, err := client.Get(*url)
		if err != nil {
			record(at, "", classify(err))
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			record(at, "", fmt.Sprintf("HTTP %d", resp.StatusCode))
			return
		}
		record(at, resp.Header.Get("X-Version"), "")
	}

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	tick := time.NewTicker(time.Second / time.Duration(*rate))
	defer tick.Stop()
	end := time.After(*duration)
	var progressC <-chan time.Time
	if *progress > 0 {
		pt := time.NewTicker(*progress)
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
			fmt.Fprintf(os.Stderr, "%s load: sent=%d ok=%d failed=%d\n", time.Now().UTC().Format(time.RFC3339), sum.Requests, sum.OK, sum.Failed)
			mu.Unlock()
		case <-check.C:
			if *stopFile != "" {
				if _, err := os.Stat(*stopFile); err == nil {
					sum.StopReason = "stop-file"
					break loop
				}
			}
		case s := <-sigs:
			sum.StopReason = sigName(s)
			break loop
		case <-end:
			sum.StopReason = "duration"
			break loop
		}
	}
	wg.Wait()
	sum.EndedAt = time.Now().UTC()
	sort.Slice(sum.Failures, func(i, j int) bool { return sum.Failures[i].At.Before(sum.Failures[j].At) })
	out, _ := json.Marshal(sum)
	fmt.Println(string(out))
	return 0
}

// classify turns a client error into a short stable kind, so a report can count them.
func classify(err error) string {
	s := err.Error()
	switch {
	case strings.Contains(s, "connection refused"):
		return "connection refused"
	case strings.Contains(s, "connection reset"):
		return "connection reset"
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

// registry answers the OCI distribution API the way a real registry does for images it does not
// have, so containerd's pull errors on the real node are the ones users see for a typo in a tag
// (404 MANIFEST_UNKNOWN) or a private repository (401 UNAUTHORIZED), and no pull leaves the node.
func registry(args []string) int {
	fs := flag.NewFlagSet("registry", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:5000", "address to listen on")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	apiError := func(w http.ResponseWriter, status int, code, message string) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"errors":[{"code":%q,"message":%q}]}`+"\n", code, message)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		logf("%s %s", r.Method, r.URL.RequestURI())
		path := strings.TrimPrefix(r.URL.Path, "/v2/")
		switch {
		case r.URL.Path == "/v2/" || r.URL.Path == "/v2":
			w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
			w.WriteHeader(200)
		case strings.HasPrefix(path, "private/"):
			w.Header().Set("WWW-Authenticate", `Basic realm="paas-node registry"`)
			apiError(w, http.StatusUnauthorized, "UNAUTHORIZED", "authentication required")
		case strings.Contains(path, "/manifests/"):
			apiError(w, http.StatusNotFound, "MANIFEST_UNKNOWN", "manifest unknown")
		default:
			apiError(w, http.StatusNotFound, "NAME_UNKNOWN", "repository name not known to registry")
		}
	})
	logf("registry listening on %s", *listen)
	srv := &http.Server{Addr: *listen, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	if err := srv.ListenAndServe(); err != nil {
		logf("registry: %v", err)
		return 1
	}
	return 0
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

func sequentialPorts(timeout time.Duration) func(ctx context.Context, network, addr string) (net.Conn, error) {
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
