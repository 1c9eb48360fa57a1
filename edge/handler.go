package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/inbrowser-ai/resnet/engine"
	"github.com/inbrowser-ai/resnet/engine/preprocess"
)

// MaxBody bounds the request body. Cloudflare already refuses bodies over
// 100 MB, but a Go instance that held 100 MB of JPEG plus its decoded
// pixels would not fit the isolate's 128 MB; a 12-megapixel phone photo is
// 3–8 MB.
const MaxBody = 16 << 20

// DecodeBudget is the memory one request may spend decoding and resizing
// its image, estimated from the header before decoding (preprocess.Check).
// It is what is left of an isolate's 128 MB (122 MiB) after the fixed part
// (measured with the all-int8 ResNet-50 embedded: about 55 MiB of linear
// memory — the 25.8 MB model in the data segment, Go's static data and the
// network's activation buffers — for a 32×32 PNG; the default model is now
// 29.2 MB with its wide layers), less ~7 MiB kept for the JavaScript
// side. The request body also costs the isolate beyond the decode's own copy
// (which the estimate counts): entry.mjs's JavaScript copy, the copy
// serve_js.go makes into Go, and readBody's; bodyBudget takes those three
// copies off. edge/test/memory.test.mjs checks the sum against the worst
// inputs, in the one Go instance the isolate keeps.
const DecodeBudget = 60 << 20

// bodyBudget is the decode budget left for a request whose body is n bytes.
func bodyBudget(n int) int64 { return DecodeBudget - 3*int64(n) }

// goHeapBase is the Go runtime's own memory (runtime.MemStats.HeapSys) for
// a request with a tiny image, measured in workerd: 24.8 MiB of the 54.5.
const goHeapBase = 25 << 20

// maxK bounds ?k= so a client cannot ask for a response the size of the
// label list times a thousand.
const maxK = 100

// options tune a handler; tests shrink the limits.
type options struct {
	maxBody int64
	// memory, if set, is reported per response so tests and operators see
	// what one request costs the isolate.
	memory func() memStats
	// limitMemory, if set, is told each request's decode budget before
	// decoding (the worker bounds the Go heap with it).
	limitMemory func(budget int64)
}

// handler serves the worker's routes. The model is loaded on first use, so
// that an instance that only answers GET / never pays for it.
type handler struct {
	opts options
	load func() (*engine.Model, error)

	mu       sync.Mutex // Model owns its activation buffers: one image at a time
	once     sync.Once
	model    *engine.Model
	loadErr  error
	loadTime time.Duration
}

func newHandler(load func() (*engine.Model, error), opts options) *handler {
	if opts.maxBody <= 0 {
		opts.maxBody = MaxBody
	}
	return &handler{opts: opts, load: load}
}

const usage = `ResNet image classifier (Go, WebAssembly, Cloudflare Workers)

POST /classify[?k=5]   body: the raw image (JPEG, PNG, GIF, WebP, BMP)
                       -> {"model":…, "top":[{"index","label","prob"}], "ms":{…}}
     /classify?cam=1   adds "cam":{"index","size":[h,w],"map":[…]}, the top-1
                       class's activation map, as the command line's -cam
GET  /healthz          -> 200 ok

Errors are JSON {"error": "…"}: 400 bad k, 405 wrong method, 413 body over
%d bytes, 415 not an image format we decode, 422 an image we cannot decode
or whose decode would need more memory than this server's budget.
`

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set(kernelsHeader, kernelsName())
	switch r.URL.Path {
	case "/":
		if !allow(w, r, http.MethodGet, http.MethodHead) {
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, usage, h.opts.maxBody)
	case "/healthz":
		if !allow(w, r, http.MethodGet, http.MethodHead) {
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	case "/classify":
		if !allow(w, r, http.MethodPost) {
			return
		}
		h.classify(w, r)
	default:
		writeError(w, http.StatusNotFound, "no route "+r.URL.Path+"; see GET /")
	}
}

func allow(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	for _, m := range methods {
		if r.Method == m {
			return true
		}
	}
	w.Header().Set("Allow", fmt.Sprint(methods))
	writeError(w, http.StatusMethodNotAllowed, r.Method+" not allowed on "+r.URL.Path)
	return false
}

func (h *handler) classify(w http.ResponseWriter, r *http.Request) {
	k := 5
	if s := r.URL.Query().Get("k"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxK {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("k must be an integer in 1..%d, got %q", maxK, s))
			return
		}
		k = n
	}
	cam, err := camParam(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	body, status, err := readBody(r, h.opts.maxBody)
	if err != nil {
		writeError(w, status, err.Error())
		return
	}

	// The header alone turns a bomb, or an image this isolate could not
	// afford to decode, away before the model is even loaded.
	budget := bodyBudget(len(body))
	cost, err := preprocess.Check(body, preprocess.Limits{Budget: budget})
	if err != nil {
		writeError(w, statusOf(err), err.Error())
		return
	}
	// What the header said the decode would cost, beside what it did cost
	// (X-Wasm-Memory-Bytes), so the estimate can be checked from outside.
	w.Header().Set("X-Decode-Estimate-Bytes", strconv.FormatInt(cost.Bytes, 10))
	w.Header().Set("X-Decode-Budget-Bytes", strconv.FormatInt(budget, 10))
	model, loadMS, err := h.loadModel()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "loading the model: "+err.Error())
		return
	}
	model.SetDecodeBudget(budget)
	if h.opts.limitMemory != nil {
		h.opts.limitMemory(budget)
	}
	res, camMap, err := h.run(model, body, k, cam)
	if err != nil {
		writeError(w, statusOf(err), err.Error())
		return
	}
	rep := model.Report("", res, nil)
	rep.CAM = camMap
	if rep.MS == nil {
		rep.MS = map[string]float64{}
	}
	// Per-instance cost that the command line does not have: worth seeing,
	// because every request here pays it.
	rep.MS["load"] = loadMS
	if h.opts.memory != nil {
		h.opts.memory().setHeaders(w.Header())
	}
	writeJSON(w, http.StatusOK, rep)
}

// run classifies under the model's lock and turns a panic into an error, so
// that an engine bug costs one request a 500 and never wedges the instance.
// With cam, the map of the top-1 class comes from the same lock: it reads
// the activations this image left in the model.
func (h *handler) run(m *engine.Model, body []byte, k int, cam bool) (res *engine.Result, c *engine.CAM, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	defer func() {
		if p := recover(); p != nil {
			res, c, err = nil, nil, fmt.Errorf("%w: %v", errInternal, p)
		}
	}()
	if res, err = m.ClassifyImage(body, k); err != nil || !cam {
		return res, nil, err
	}
	c, err = m.CAM(res.Top[0].Index)
	return res, c, err
}

func (h *handler) loadModel() (*engine.Model, float64, error) {
	h.once.Do(func() {
		t := time.Now()
		h.model, h.loadErr = h.load()
		if h.loadErr == nil {
		}
		h.loadTime = time.Since(t)
	})
	return h.model, float64(h.loadTime.Microseconds()) / 1000, h.loadErr
}

// readBody reads at most limit bytes, answering 413 before reading when the
// declared length is already too big.
func readBody(r *http.Request, limit int64) ([]byte, int, error) {
	tooLarge := fmt.Errorf("request body is larger than %d bytes", limit)
	if r.ContentLength > limit {
		return nil, http.StatusRequestEntityTooLarge, tooLarge
	}
	b, err := readAll(io.LimitReader(r.Body, limit+1), r.ContentLength)
	if err != nil {
		return nil, http.StatusBadRequest, fmt.Errorf("reading the request body: %v", err)
	}
	if int64(len(b)) > limit {
		return nil, http.StatusRequestEntityTooLarge, tooLarge
	}
	return b, 0, nil
}

// readAll is io.ReadAll starting from the declared length, so a body is
// read into one buffer of its size: ReadAll's doubling would hold up to
// twice the body while it grows, and the decode budget counts it once.
func readAll(r io.Reader, declared int64) ([]byte, error) {
	b := make([]byte, 0, max(512, declared+1)) // +1: EOF needs room to be seen
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, engine.Report{Error: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// A Report always marshals; if it ever does not, say so in JSON.
		status, b = http.StatusInternalServerError, []byte(`{"error":"encoding the response failed"}`)
	}
	b = append(b, '\n')
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(b)
}

var errInternal = errors.New("internal error")
