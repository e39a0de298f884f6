// An HTTP server that stops as docs/sigterm.md asks (the test app's `-on-sigterm announce`,
// test/images/testapp, does the same). On SIGTERM it keeps serving for DRAIN_SECONDS and every
// response says `Connection: close`, so each kept-alive client opens a new connection (to a pod
// that is not going away) instead of reusing one this process is about to close. Then Shutdown:
// stop accepting, close the idle connections, let the requests in flight finish, exit.
//
//	DRAIN_SECONDS=5 PORT=8080 go run main.go
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	drain := 5 * time.Second
	if s, err := strconv.ParseFloat(os.Getenv("DRAIN_SECONDS"), 64); err == nil {
		drain = time.Duration(s * float64(time.Second))
	}
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	var draining atomic.Bool
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	srv := &http.Server{Addr: ":" + port, Handler: announceClose(mux, &draining), ReadHeaderTimeout: 10 * time.Second}

	sigterm, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	go func() {
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Fatal(err)
		}
	}()
	<-sigterm.Done()
	draining.Store(true)
	time.Sleep(drain)
	// Out well within the grace period: requests still in flight get 20 s.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		log.Fatal(err)
	}
}

// announceClose answers `Connection: close` once draining: net/http closes the connection after
// that response, and the client knows not to send another request on it.
func announceClose(h http.Handler, draining *atomic.Bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if draining.Load() {
			w.Header().Set("Connection", "close")
		}
		h.ServeHTTP(w, r)
	})
}
