// Command serve is the local static server behind `make demo`: it serves the
// page (web/), the WebAssembly build, the model files and the sample photos
// with the headers the demo needs — application/wasm, compression where it
// pays, content-hash ETags, cross-origin isolation and a strict CSP.
//
//	serve [-addr 127.0.0.1:8080] [-web web] [-wasm build/web] [-models weights] [-samples testdata/photos]
//	serve -dist DIR    write the same site as plain files for a static host, then exit
//
// PORT in the environment overrides the port of the default address.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		os.Exit(1)
	}
}

func run() error {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	addr := flag.String("addr", net.JoinHostPort("127.0.0.1", port), "listen address")
	webDir := flag.String("web", "web", "the page: index.html, app.js, worker.js, styles")
	wasmDir := flag.String("wasm", "build/web", "the WebAssembly build: resnet.wasm, wasm_exec.js")
	modelDir := flag.String("models", "weights", "model files (*.rnm), served under /models/")
	sampleDir := flag.String("samples", "testdata/photos", "sample photos and their licences, served under /samples/")
	defModel := flag.String("default", "resnet50-keras.rnm", "the model the page loads when its URL names none (else the first found)")
	quiet := flag.Bool("q", false, "do not log requests")
	dist := flag.String("dist", "", "write the site as static files into this directory and exit (make dist)")
	flag.Parse()

	site, err := newSite(siteConfig{Web: *webDir, Wasm: *wasmDir, Models: *modelDir, Samples: *sampleDir, DefaultModel: *defModel})
	if err != nil {
		return err
	}
	if *dist != "" {
		files, err := writeDist(site, *dist)
		if err != nil {
			return err
		}
		fmt.Printf("wrote %d files to %s\n", len(files), *dist)
		return nil
	}
	var h http.Handler = site
	if !*quiet {
		h = logRequests(h)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := newServer(h, defaultTimeouts)
	// Compress the big files now rather than on the first visitor's request.
	go site.warm()
	fmt.Printf("serving the demo at http://%s/ (Ctrl-C to stop)\n", ln.Addr())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// timeouts bound how long a connection may hold the server's resources:
// a client that sends its request slowly (ReadHeader, Read), keeps an idle
// connection open (Idle), or stops reading a response (Write, plus the
// time a large file takes at MinRate — entry.serve extends the deadline).
type timeouts struct {
	ReadHeader, Read, Idle, Write time.Duration
	MinRate                       int64 // bytes per second a client must at least read
}

// defaultTimeouts suit a demo served to a browser: requests are GETs with
// no body, and the largest file (an f32 model, ~100 MB) takes 26 minutes
// at 64 KiB/s, the slowest rate a download is allowed.
var defaultTimeouts = timeouts{
	ReadHeader: 10 * time.Second,
	Read:       30 * time.Second,
	Idle:       2 * time.Minute,
	Write:      time.Minute,
	MinRate:    64 << 10,
}

func newServer(h http.Handler, t timeouts) *http.Server {
	return &http.Server{
		Handler:           withTimeouts(h, t),
		ReadHeaderTimeout: t.ReadHeader,
		ReadTimeout:       t.Read,
		IdleTimeout:       t.Idle,
		WriteTimeout:      t.Write,
	}
}

// writeTimeKey carries the timeouts to entry.serve through the request's
// context.
type writeTimeKey struct{}

func withTimeouts(h http.Handler, t timeouts) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), writeTimeKey{}, t)))
	})
}

// extendWriteDeadline gives a response of n bytes the time it takes at the
// minimum rate, on top of the server's write timeout. Without a server
// (tests with a recorder) there is nothing to extend.
func extendWriteDeadline(w http.ResponseWriter, r *http.Request, n int64) {
	t, ok := r.Context().Value(writeTimeKey{}).(timeouts)
	if !ok || t.MinRate <= 0 {
		return
	}
	d := t.Write + time.Duration(n/t.MinRate)*time.Second
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(d))
}

type statusWriter struct {
	http.ResponseWriter
	status int
	n      int64
}

func (w *statusWriter) WriteHeader(s int) { w.status = s; w.ResponseWriter.WriteHeader(s) }
func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.n += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (write
// deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func logRequests(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		log.Printf("%s %s %d %dB %s %s", r.Method, r.URL.RequestURI(), sw.status, sw.n,
			w.Header().Get("Content-Encoding"), time.Since(t).Round(time.Millisecond))
	})
}
