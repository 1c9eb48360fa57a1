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

// DecodeBudget caps the memory one request may spend decoding and resizing
// its image, estimated from the header before decoding (preprocess.Check),
// counting the body once; bodyBudget also takes off the body's other copies
// (entry.mjs's JavaScript copy, serve_js.go's into Go, readBody's). It is
// the whole budget of a host that knows nothing of its memory (the native
// build); the worker's budget is the smaller instanceBudget.
const DecodeBudget = 60 << 20

// bodyBudget is the decode budget left for a request whose body is n bytes.
func bodyBudget(n int) int64 { return DecodeBudget - 3*int64(n) }

// LinearCeiling is what the worker's Go instance may hold, its linear memory
// together with entry.mjs's JavaScript copy of the body: the isolate's
// 128 MB (122 MiB) less 14 MiB for the rest of the JavaScript side (twice
// the ~7 MiB it was measured to need). The instance lives as long as the
// isolate and WebAssembly memory never shrinks, so this bounds the peak of
// its whole life, not of one request.
const LinearCeiling = 108 << 20

// growthSlack is what the Go heap may grow beyond the bytes a decode
// allocates: it maps memory a 4 MiB arena at a time, with its metadata, and
// the forward pass and the response allocate a little.
const growthSlack = 6 << 20

// instanceBudget is the decode budget of a request in an instance whose
// linear memory is linear bytes now, the body and its Go copies included:
// the heap grows by at most what the decode allocates (the estimate less
// the body, which is already there) plus growthSlack, so linear memory and
// the body's JavaScript copy stay within LinearCeiling however fragmented
// earlier requests left the heap. Fragmentation only shows as a smaller
// budget, and an image over it is refused with the 422 that names it.
func instanceBudget(linear uint64) int64 {
	// At least a byte: preprocess reads a zero budget as "the default".
	return max(1, LinearCeiling-int64(linear)-growthSlack)
}

// RetireBelow is the budget under which an instance is retired after its
// request (entry.mjs starts a new one for the next): a heap that earlier
// decodes left this large could no longer decode a 50 MP phone JPEG
// (scaled 1/8: ~34 MiB), which a fresh instance can. The next request pays
// the cold start.
const RetireBelow = 34 << 20

// retire says whether the instance, holding linear bytes, should be
// replaced before the next request.
func retire(linear uint64) bool { return linear > 0 && instanceBudget(linear) < RetireBelow }

// maxK bounds ?k= so a client cannot ask for a response the size of the
// label list times a thousand.
const maxK = 100

// options tune a handler; tests shrink the limits.
type options struct {
	maxBody int64
	// memory, if set, is reported per response so tests and operators see
	// what one request costs the isolate.
	memory func() memStats
	// budget, if set, is the decode budget of a request whose n-byte body
	// has been read, with the model loaded (default bodyBudget). The worker
	// derives it from its instance's linear memory (instanceBudget).
	budget func(n int) int64
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

	// The header alone turns a bomb, or an image no budget here could
	// afford, away before the model is even loaded.
	budget := bodyBudget(len(body))
	if _, err := preprocess.Check(body, preprocess.Limits{Budget: budget}); err != nil {
		writeError(w, statusOf(err), err.Error())
		return
	}
	model, loadMS, err := h.loadModel()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "loading the model: "+err.Error())
		return
	}
	// The instance's own budget can only be known with the model's run
	// state allocated: it is what the instance holds now that counts.
	if h.opts.budget != nil {
		budget = min(budget, h.opts.budget(len(body)))
	}
	cost, err := preprocess.Check(body, preprocess.Limits{Budget: budget})
	if err != nil {
		writeError(w, statusOf(err), err.Error())
		return
	}
	// What the header said the decode would cost, beside what it did cost
	// (X-Wasm-Memory-Bytes), so the estimate can be checked from outside.
	w.Header().Set("X-Decode-Estimate-Bytes", strconv.FormatInt(cost.Bytes, 10))
	w.Header().Set("X-Decode-Budget-Bytes", strconv.FormatInt(budget, 10))
	model.SetDecodeBudget(budget)
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
