//go:build js && wasm

package main

import (
	"bytes"
	"fmt"
	"net/http"
	"syscall/js"
)

// jsServeName is the global function the Go instance registers for
// entry.mjs: resnetServe(method, url, contentType, body Uint8Array) →
// {status, headers: {name: value}, body: string, retire?: true}; retire
// asks for a new instance before the next request (handler.go's retire).
const jsServeName = "resnetServe"

// serveJS registers h as a synchronous JavaScript function and keeps the
// instance alive for the isolate's life. Synchronous on purpose: a request
// never awaits a promise that another request's context settles (workerd
// cancels such a waiter as hung), and the isolate's one thread runs one
// classification at a time anyway, so no gate or queue is needed. The
// handler must therefore never wait on JavaScript (no fetch, no timers).
func serveJS(h http.Handler) {
	js.Global().Set(jsServeName, js.FuncOf(func(_ js.Value, args []js.Value) any {
		return serveOne(h, args)
	}))
	select {}
}

func serveOne(h http.Handler, args []js.Value) (out any) {
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	defer func() {
		// A panic here would end the instance for every later request.
		if p := recover(); p != nil {
			rec = &recorder{header: http.Header{}}
			writeError(rec, http.StatusInternalServerError, fmt.Sprintf("internal error: %v", p))
			out = rec.toJS()
		}
	}()
	if len(args) != 4 {
		writeError(rec, http.StatusInternalServerError, "resnetServe: want 4 arguments")
		return rec.toJS()
	}
	var body []byte
	if n := args[3].Get("byteLength").Int(); n > 0 {
		body = make([]byte, n)
		js.CopyBytesToGo(body, args[3])
	}
	req, err := http.NewRequest(args[0].String(), args[1].String(), bytes.NewReader(body))
	if err != nil {
		writeError(rec, http.StatusBadRequest, err.Error())
		return rec.toJS()
	}
	if ct := args[2].String(); ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	h.ServeHTTP(rec, req)
	out = rec.toJS()
	if retire(linearMemoryBytes()) {
		out.(map[string]any)["retire"] = true
	}
	return out
}

// recorder is the http.ResponseWriter of one call.
type recorder struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}

func (r *recorder) toJS() any {
	hs := map[string]any{}
	for k, v := range r.header {
		if len(v) > 0 {
			hs[k] = v[0]
		}
	}
	return map[string]any{"status": r.status, "headers": hs, "body": r.body.String()}
}
