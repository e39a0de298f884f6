// testapp is the one program the real-node tests run in their pods, and the load generator that
// measures them. Its behaviour is picked by flags, so one image covers every case:
//
//	testapp serve [flags]   an HTTP app: ready after a delay; on SIGTERM graceful, graceful and
//	                        announcing `Connection: close`, abrupt or deaf; crashing, allocating
//	                        memory, redirecting plain HTTP to HTTPS
//	testapp load  [flags]   a bounded HTTP load (rate and duration capped) that counts failures by
//	                        cause, as one of four kinds of client (new connections, Go's kept-alive
//	                        transport, a pool that checks before reuse, a naive pool)
//	testapp registry [flags] the real node's image registry on its loopback: holds no image, so
//	                        every pull gets a real registry's answer (manifest unknown, or
//	                        unauthorized for names under private/)
//
// Every line it logs starts with an RFC 3339 timestamp, so a test can put "SIGTERM received"
// next to the kubelet's events.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
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

// What `serve` does on SIGTERM (-on-sigterm).
const (
	// Stop accepting, finish in-flight requests, close kept-alive connections (Go's Shutdown),
	// after -drain-delay of serving on as before.
	onSigtermGraceful = "graceful"
	// As graceful, but through -drain-delay every response says `Connection: close`, so a
	// kept-alive client opens a new connection (which kube-proxy sends to a live pod) instead of
	// reusing one this process is about to close.
	onSigtermAnnounce = "announce"
	// Exit at once: in-flight requests and kept-alive connections are cut.
	onSigtermExit = "exit"
	// Carry on as if nothing happened (the kubelet kills the container after the grace period).
	onSigtermIgnore = "ignore"
)

var onSigtermModes = []string{onSigtermGraceful, onSigtermAnnounce, onSigtermExit, onSigtermIgnore}

func serve(args []string) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	port := fs.Int("port", atoiOr(envOr("PORT", "8080"), 8080), "port to listen on (env PORT)")
	healthPath := fs.String("health-path", "/healthz", "path that answers 200 once ready")
	listenAfter := fs.Duration("listen-after", 0, "open the port only after this long (connection refused before)")
	readyAfter := fs.Duration("ready-after", 0, "answer 503 on every path until this long after start")
	status := fs.Int("status", 200, "status of every answer once ready (503: never healthy)")
	onSigterm := fs.String("on-sigterm", onSigtermGraceful, strings.Join(onSigtermModes, ", ")+
		": graceful (stop accepting, finish in-flight, close kept-alive connections), announce (graceful, answering `Connection: close` through -drain-delay first), exit (at once), ignore")
	drainDelay := fs.Duration("drain-delay", 0, "on SIGTERM, keep serving this long before shutting down (announce: the time kept-alive clients have to hear `Connection: close`); a second signal ends it")
	responseDelay := fs.Duration("response-delay", 0, "time spent on each request")
	redirectHTTPS := fs.Bool("redirect-https", false, "redirect plain HTTP to https:// unless X-Forwarded-Proto: https or X-Forwarded-Ssl: on (Rails force_ssl)")
	allocMB := fs.Int("alloc-mb", 0, "allocate and touch this many MiB at start")
	exitAfter := fs.Duration("exit-after", -1, "exit with -exit-code after this long (-1: never)")
	exitCode := fs.Int("exit-code", 1, "exit code for -exit-after")
	version := fs.String("version", envOr("VERSION", "v1"), "version named in every answer (env VERSION)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if !slices.Contains(onSigtermModes, *onSigterm) {
		fmt.Fprintf(os.Stderr, "testapp serve: -on-sigterm %q: one of %s\n", *onSigterm, strings.Join(onSigtermModes, ", "))
		return 2
	}
	host, _ := os.Hostname()
	logf("starting version=%s pid=%d on-sigterm=%s drain-delay=%s", *version, os.Getpid(), *onSigterm, *drainDelay)

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

	a := newApp(appOptions{
		healthPath: *healthPath, readyAfter: *readyAfter, status: *status, responseDelay: *responseDelay,
		redirectHTTPS: *redirectHTTPS, host: host, version: *version,
	})

	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	done := make(chan int, 1)
	go func() {
		for sig := range sigs {
			logf("%s received in_flight=%d", strings.ToUpper(sigName(sig)), a.inFlight.Load())
			switch *onSigterm {
			case onSigtermIgnore:
				continue
			case onSigtermExit:
				logf("exiting at once")
				os.Exit(0)
			}
			// A second signal during the drain ends it.
			endDrain := make(chan struct{})
			go func() {
				if s, ok := <-sigs; ok {
					logf("%s received during the drain: shutting down now", strings.ToUpper(sigName(s)))
					close(endDrain)
				}
			}()
			err := a.stop(*onSigterm == onSigtermAnnounce, *drainDelay, endDrain)
			logf("shut down (in_flight=%d, announced=%d, err=%v)", a.inFlight.Load(), a.announced.Load(), err)
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
	if err := a.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		logf("serve: %v", err)
		return 1
	}
	return <-done
}

// appOptions are the flags that shape the answers of `serve`.
type appOptions struct {
	healthPath    string
	readyAfter    time.Duration
	status        int
	responseDelay time.Duration
	redirectHTTPS bool
	host          string
	version       string
}

// app is the HTTP server of `serve`, and what its SIGTERM handling needs to see.
type app struct {
	srv       *http.Server
	inFlight  atomic.Int64
	draining  atomic.Bool  // SIGTERM arrived (announce mode): every response says Connection: close
	announced atomic.Int64 // responses that said it
}

func newApp(o appOptions) *app {
	a := &app{}
	start := time.Now()
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		a.inFlight.Add(1)
		defer a.inFlight.Add(-1)
		if o.redirectHTTPS && r.Header.Get("X-Forwarded-Proto") != "https" && r.Header.Get("X-Forwarded-Ssl") != "on" {
			http.Redirect(w, r, "https://"+r.Host+r.URL.RequestURI(), http.StatusMovedPermanently)
			return
		}
		if time.Since(start) < o.readyAfter {
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		if o.responseDelay > 0 {
			time.Sleep(o.responseDelay)
		}
		code := o.status
		if r.URL.Path == o.healthPath && code == 200 {
			w.WriteHeader(200)
			fmt.Fprintln(w, "ok")
			return
		}
		w.Header().Set("X-Served-By", o.host)
		w.Header().Set("X-Version", o.version)
		w.WriteHeader(code)
		fmt.Fprintf(w, "%s %s\n", o.host, o.version)
	})
	a.srv = &http.Server{Handler: announceClose(mux, &a.draining, &a.announced), ReadHeaderTimeout: 10 * time.Second}
	return a
}

// announceClose answers `Connection: close` once draining is set: net/http then closes the
// connection after that response, and the client, told so, does not send another request on it.
// A connection closed without that word, while idle, is one a client may already be writing to.
func announceClose(h http.Handler, draining *atomic.Bool, announced *atomic.Int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if draining.Load() {
			w.Header().Set("Connection", "close")
			announced.Add(1)
		}
		h.ServeHTTP(w, r)
	})
}

// stop is the graceful end of `serve`: serve on for drain (announcing `Connection: close` on
// every response when announce is set) unless endDrain closes first, then Shutdown: stop
// accepting, let in-flight requests finish (their responses say `Connection: close`), close the
// idle kept-alive connections. Bounded: in-flight requests get 20 s.
func (a *app) stop(announce bool, drain time.Duration, endDrain <-chan struct{}) error {
	if announce {
		a.draining.Store(true)
		logf("draining for %s: every response says Connection: close", drain)
	}
	if drain > 0 {
		t := time.NewTimer(drain)
		select {
		case <-t.C:
		case <-endDrain:
			t.Stop()
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return a.srv.Shutdown(ctx)
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
