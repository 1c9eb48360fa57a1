//go:build js && wasm

// Command wasm is the engine compiled to WebAssembly for the page's Web
// Worker (web/worker.js). It registers globalThis.resnetGo with these
// synchronous functions and then waits for calls:
//
//	expect(head: Uint8Array)                       → {bytes} | {error, code}
//	load(bytes: Uint8Array, hold?: boolean)        → {info} | {error, code}
//	commit(keep: boolean)                          → {info} | null | {error, code}
//	info()                                         → info | null
//	probe(bytes: Uint8Array)                       → {format, width, height} | {error, code}
//	classify(bytes: Uint8Array, k, cam?)                 → {top, ms, crop?, cams?} | {error, code}
//	classifyRGBA(pix: Uint8Array, w, h, stride, k, cam?) → {top, ms, crop?, cams?} | {error, code}
//	warmup()                                       → {ms} | {error, code}
//
// info is {name, depth, classes, bytes, quant, kernels, resize, crop};
// kernels is "simd" or "go" (see infoValue); resize and crop are the model's
// preprocessing sizes, which the worker needs to decide when the browser
// should downscale a large image before Go sees it (web/downscale.js).
//
// With cam true, cams holds the class activation map of each top-k class
// (cam.go).
//
// Calls run to completion on the worker's thread; the page stays responsive
// because it is a worker. Errors are values, never exceptions: a Go panic
// would end the instance and every later call with it.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"runtime/debug"
	"syscall/js"

	"github.com/inbrowser-ai/resnet/engine"
	"github.com/inbrowser-ai/resnet/engine/kernels"
	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/engine/preprocess"
)

// state is the one loaded model and a scratch buffer that frames are copied
// into, reused so that a webcam stream does not allocate 3.7 MB per frame;
// next is what expect prepared for the model being downloaded.
type state struct {
	model   *engine.Model
	pending *engine.Model // loaded with hold, until commit
	scratch []byte
	next    *expected
}

// pageBudget is the memory one model may take in the page's Go instance:
// its file, its Winograd weights, run state and preprocessing
// (engine.Need). Go's WebAssembly heap lives in one 32-bit linear memory,
// 4 GiB at most, which never shrinks and which a failed allocation ends
// for good. The worker must hold the model in use while it loads another
// (a refused model leaves the previous one working), plus an image being
// decoded (up to 50 megapixels, about 225 MB), and Go's collector lets
// the heap grow to about twice what is live: (2 × 512 MiB + 225 MB) × 2 ≈
// 2.5 GiB stays under the ceiling, with room for the JavaScript side's
// copy of the file. The largest model this project makes fits: ResNet-152
// in f32 is 241 MB of file and 26 MiB of run state, in int8 60 MB and
// 122 MiB with its Winograd weights.
//
// On a shared memory (the thread pool: web/startup.js), the memory's
// maximum is fixed when it is made, from the model, so the page passes the
// budgets that keep the heap inside it as self.resnetLimits ({memory, model,
// decode} in bytes): the model budget replaces this one, the decode budget
// bounds each image, and the memory limit makes Go's collector run before
// the heap reaches the maximum rather than at twice what is live.
var pageBudget int64 = 512 << 20

// decodeBudget is the memory one image may take to decode (0: the engine's
// default).
var decodeBudget int64

func applyLimits() {
	l := js.Global().Get("resnetLimits")
	if l.Type() != js.TypeObject {
		return
	}
	if v := l.Get("model"); v.Type() == js.TypeNumber && v.Int() > 0 {
		pageBudget = min(pageBudget, int64(v.Float()))
	}
	if v := l.Get("decode"); v.Type() == js.TypeNumber && v.Int() > 0 {
		decodeBudget = int64(v.Int())
	}
	if v := l.Get("memory"); v.Type() == js.TypeNumber && v.Float() > 0 {
		debug.SetMemoryLimit(int64(v.Float() * 0.9))
	}
}

// expected is a model file's decoded head and a buffer of the whole file's
// size, ready before its weights have arrived.
type expected struct {
	head *modelfile.Head
	buf  []byte
}

func main() {
	applyLimits()
	s := &state{}
	api := js.Global().Get("Object").New()
	api.Set("expect", js.FuncOf(s.guard(s.expect)))
	api.Set("load", js.FuncOf(s.guard(s.load)))
	api.Set("commit", js.FuncOf(s.guard(s.commit)))
	api.Set("info", js.FuncOf(s.guard(s.info)))
	api.Set("probe", js.FuncOf(s.guard(s.probe)))
	api.Set("classify", js.FuncOf(s.guard(s.classify)))
	api.Set("classifyRGBA", js.FuncOf(s.guard(s.classifyRGBA)))
	api.Set("warmup", js.FuncOf(s.guard(s.warmup)))
	js.Global().Set("resnetGo", api)
	select {} // keep the instance alive for callbacks
}

// codedError carries a short machine-readable code the worker can branch on
// (e.g. "format": try the browser's decoder instead).
type codedError struct {
	code string
	err  error
}

func (e *codedError) Error() string { return e.err.Error() }

func errorValue(err error) map[string]any {
	code := "error"
	var ce *codedError
	if errors.As(err, &ce) {
		code = ce.code
	}
	return map[string]any{"error": err.Error(), "code": code}
}

func (s *state) guard(f func(args []js.Value) (any, error)) func(js.Value, []js.Value) any {
	return func(_ js.Value, args []js.Value) (ret any) {
		defer func() {
			if p := recover(); p != nil {
				ret = errorValue(&codedError{"internal", fmt.Errorf("internal error: %v", p)})
			}
		}()
		v, err := f(args)
		if err != nil {
			return errorValue(err)
		}
		return v
	}
}

// bytesArg copies a Uint8Array argument into Go memory: once per image or
// frame, into dst when it is large enough.
func bytesArg(args []js.Value, i int, dst []byte) ([]byte, error) {
	if len(args) <= i || !isUint8Array(args[i]) {
		return nil, &codedError{"argument", fmt.Errorf("argument %d must be a Uint8Array", i+1)}
	}
	n := args[i].Get("byteLength").Int()
	if cap(dst) < n {
		dst = make([]byte, n)
	}
	dst = dst[:n]
	js.CopyBytesToGo(dst, args[i])
	return dst, nil
}

func isUint8Array(v js.Value) bool {
	return v.Type() == js.TypeObject &&
		(v.InstanceOf(js.Global().Get("Uint8Array")) || v.InstanceOf(js.Global().Get("Uint8ClampedArray")))
}

func intArg(args []js.Value, i int, name string, lo, hi int) (int, error) {
	if len(args) <= i || args[i].Type() != js.TypeNumber {
		return 0, &codedError{"argument", fmt.Errorf("%s must be a number", name)}
	}
	f := args[i].Float()
	if f != float64(int(f)) || int(f) < lo || int(f) > hi {
		return 0, &codedError{"argument", fmt.Errorf("%s = %v, want an integer in [%d, %d]", name, f, lo, hi)}
	}
	return int(f), nil
}

// expect takes the start of a model file that is still downloading — its
// header and JSON section (modelfile.ReadHead) — and, while the weights are
// on their way, decodes the JSON (tens of milliseconds the first time in
// the browser: encoding/json's code has just been compiled) and allocates
// the buffer load will copy the file into. A load of another file just
// does not use them.
func (s *state) expect(args []js.Value) (any, error) {
	s.next = nil
	b, err := bytesArg(args, 0, s.scratch)
	if err != nil {
		return nil, err
	}
	s.scratch = b
	head, err := modelfile.ReadHead(b)
	if err != nil {
		return nil, &codedError{"model", err}
	}
	if err := engine.CheckHead(head, pageBudget); err != nil {
		return nil, &codedError{"model", err}
	}
	s.next = &expected{head: head, buf: make([]byte, head.Len)}
	return map[string]any{"bytes": head.Len}, nil
}

// load parses a model file and makes it the model classify uses — or, with
// hold, keeps it aside until commit: the worker hands Go the bytes while the
// page is still checking their SHA-256, so that the two overlap. Parsing
// unverified bytes is safe (Parse bounds every tensor, and is fuzzed);
// using them is not, hence the hold. A file that is refused — malformed,
// implausible, or over pageBudget — changes nothing: the model in use stays
// in use, and nothing was allocated for it beyond its bytes.
func (s *state) load(args []js.Value) (any, error) {
	// The model must stay unmodified while in use (int8 weights are read in
	// place), so it gets its own allocation, never the scratch buffer: the
	// one expect made for it, when there is one.
	var dst []byte
	var head *modelfile.Head
	if s.next != nil {
		dst, head = s.next.buf[:0], s.next.head
		s.next = nil
	}
	if len(args) > 0 && isUint8Array(args[0]) {
		if n := int64(args[0].Get("byteLength").Int()); n > pageBudget {
			return nil, &codedError{"model", fmt.Errorf("model file of %d MiB: %w: the budget is %d MiB", n>>20, engine.ErrBudget, pageBudget>>20)}
		}
	}
	b, err := bytesArg(args, 0, dst)
	if err != nil {
		return nil, err
	}
	// The worker has verified the SHA-256 with WebCrypto before this call.
	f, err := modelfile.ParseHead(b, modelfile.Trusted, head)
	if err != nil {
		return nil, &codedError{"model", err}
	}
	m, err := engine.LoadFileWithin(f, pageBudget)
	if err != nil {
		return nil, &codedError{"model", err}
	}
	if decodeBudget > 0 {
		m.SetDecodeBudget(decodeBudget)
	}
	s.pending = nil
	if len(args) > 1 && args[1].Truthy() {
		s.pending = m
	} else {
		s.model = m
	}
	return map[string]any{"info": infoValue(m)}, nil
}

// commit makes the model held by load the one in use (keep), or drops it
// (the page found its checksum wrong). Without one held it is an error to
// keep, and nothing to drop.
func (s *state) commit(args []js.Value) (any, error) {
	m := s.pending
	s.pending = nil
	if len(args) < 1 || !args[0].Truthy() {
		return nil, nil
	}
	if m == nil {
		return nil, &codedError{"nomodel", errors.New("no model is waiting to be committed")}
	}
	s.model = m
	return map[string]any{"info": infoValue(m)}, nil
}

func (s *state) info(args []js.Value) (any, error) {
	if s.model == nil {
		return nil, nil
	}
	return infoValue(s.model), nil
}

// infoValue is the model info, its preprocessing sizes and which kernels run
// it: "simd" when the host linked the WebAssembly SIMD module, else "go"
// (the pure-Go twins). Go's own answer, not the host's intent, so a loader
// that fails to link shows up on the page.
func infoValue(m *engine.Model) map[string]any {
	in, pre := m.Info(), m.Meta().Pre
	return map[string]any{
		"name": in.Name, "depth": in.Depth, "classes": in.Classes, "bytes": in.Bytes, "quant": in.Quant,
		"kernels": kernelsName(), "resize": pre.Resize, "crop": pre.Crop,
	}
}

func kernelsName() string {
	if kernels.SIMD() {
		return "simd"
	}
	return "go"
}

// probe reads only an image's header, with the same checks Decode makes
// before decoding (preprocess.CheckHeader: format, pixel limit, a length
// that could hold the claimed size), and returns its stored size — before
// EXIF orientation, which never changes the shorter side. The worker uses it
// to choose between Go's exact decode and the browser's decode-and-downscale
// without decoding anything. It needs no model.
func (s *state) probe(args []js.Value) (any, error) {
	b, err := bytesArg(args, 0, s.scratch)
	if err != nil {
		return nil, err
	}
	s.scratch = b
	format, err := preprocess.CheckHeader(b, preprocess.MaxPixels)
	if err != nil {
		return nil, imageError(err)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil { // CheckHeader has just read the same header
		return nil, &codedError{"image", err}
	}
	return map[string]any{"format": format, "width": cfg.Width, "height": cfg.Height}, nil
}

// imageError tags a classification error: "format" tells the worker to
// try the browser's decoder instead (AVIF, HEIC on Safari…); "model" says
// the model, not the image, is at fault (its output overflowed).
func imageError(err error) error {
	if errors.Is(err, preprocess.ErrFormat) || errors.Is(err, image.ErrFormat) {
		return &codedError{"format", err}
	}
	if errors.Is(err, engine.ErrNonFinite) {
		return &codedError{"model", err}
	}
	return &codedError{"image", err}
}

var errNoModel = &codedError{"nomodel", errors.New("no model loaded")}

func (s *state) classify(args []js.Value) (any, error) {
	if s.model == nil {
		return nil, errNoModel
	}
	b, err := bytesArg(args, 0, s.scratch)
	if err != nil {
		return nil, err
	}
	s.scratch = b
	k, err := intArg(args, 1, "k", 1, 1000)
	if err != nil {
		return nil, err
	}
	res, err := s.model.ClassifyImage(b, k)
	if err != nil {
		return nil, imageError(err)
	}
	out := resultValue(res)
	if camArg(args, 2) {
		return out, addCAMs(out, s.model, res)
	}
	return out, nil
}

func (s *state) classifyRGBA(args []js.Value) (any, error) {
	if s.model == nil {
		return nil, errNoModel
	}
	pix, err := bytesArg(args, 0, s.scratch)
	if err != nil {
		return nil, err
	}
	s.scratch = pix
	w, err := intArg(args, 1, "width", 1, 1<<15)
	if err != nil {
		return nil, err
	}
	h, err := intArg(args, 2, "height", 1, 1<<15)
	if err != nil {
		return nil, err
	}
	stride, err := intArg(args, 3, "stride", 4*w, 1<<17)
	if err != nil {
		return nil, err
	}
	k, err := intArg(args, 4, "k", 1, 1000)
	if err != nil {
		return nil, err
	}
	if len(pix) < stride*(h-1)+4*w {
		return nil, &codedError{"argument", fmt.Errorf("%d bytes cannot hold a %d×%d frame with stride %d", len(pix), w, h, stride)}
	}
	res, err := s.model.ClassifyRGBA(pix, w, h, stride, k)
	if err != nil {
		if errors.Is(err, engine.ErrNonFinite) {
			return nil, &codedError{"model", err}
		}
		return nil, &codedError{"image", err}
	}
	out := resultValue(res)
	if camArg(args, 5) {
		return out, addCAMs(out, s.model, res)
	}
	return out, nil
}

func resultValue(r *engine.Result) map[string]any {
	top := make([]any, len(r.Top))
	for i, p := range r.Top {
		top[i] = map[string]any{"index": p.Index, "label": p.Label, "prob": float64(p.Prob)}
	}
	ms := make(map[string]any, len(r.MS))
	for k, v := range r.MS {
		ms[k] = v
	}
	out := map[string]any{"top": top, "ms": ms}
	if r.Crop != nil {
		out["crop"] = cropValue(r.Crop)
	}
	return out
}

// cropValue packs an image as an ImageData-shaped object; rows are copied
// out tightly so that the page can build an ImageData from it directly.
func cropValue(img *image.RGBA) map[string]any {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	tight := img.Pix
	if img.Stride != 4*w {
		tight = make([]byte, 4*w*h)
		for y := range h {
			copy(tight[4*w*y:4*w*(y+1)], img.Pix[img.Stride*y:])
		}
	}
	dst := js.Global().Get("Uint8ClampedArray").New(4 * w * h)
	js.CopyBytesToJS(dst, tight[:4*w*h])
	return map[string]any{"width": w, "height": h, "data": dst}
}
