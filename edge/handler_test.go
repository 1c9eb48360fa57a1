package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/inbrowser-ai/resnet/engine"
	"github.com/inbrowser-ai/resnet/engine/preprocess"
)

// These tests cover what the handler decides on its own (routes, limits,
// status codes). Classification itself is tested end to end in workerd by
// edge/test/worker.test.mjs, with a real model and real photos.

var errNoModel = errors.New("no model in this test")

func serve(h http.Handler, method, target string, body string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, strings.NewReader(body)))
	return rec
}

func jsonError(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q, want application/json", ct)
	}
	var rep engine.Report
	if err := json.Unmarshal(rec.Body.Bytes(), &rep); err != nil {
		t.Fatalf("body %q is not JSON: %v", rec.Body, err)
	}
	if rep.Error == "" {
		t.Fatalf("body %q has no error", rec.Body)
	}
	return rep.Error
}

func TestRoutes(t *testing.T) {
	loads := 0
	h := newHandler(func() (*engine.Model, error) { loads++; return nil, errNoModel }, options{})
	cases := []struct {
		name, method, target string
		status               int
		contains             string
	}{
		{"usage", "GET", "/", 200, "POST /classify"},
		{"health", "GET", "/healthz", 200, "ok"},
		{"health_head", "HEAD", "/healthz", 200, ""},
		{"unknown_path", "GET", "/nope", 404, "no route /nope"},
		{"classify_get", "GET", "/classify", 405, "GET not allowed"},
		{"health_post", "POST", "/healthz", 405, "POST not allowed"},
		{"k_zero", "POST", "/classify?k=0", 400, "k must be"},
		{"k_text", "POST", "/classify?k=five", 400, "k must be"},
		{"k_huge", "POST", "/classify?k=101", 400, "k must be"},
		{"cam_text", "POST", "/classify?cam=please", 400, "cam must be"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := serve(h, c.method, c.target, "")
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d; body %q", rec.Code, c.status, rec.Body)
			}
			if !strings.Contains(rec.Body.String(), c.contains) {
				t.Fatalf("body %q does not contain %q", rec.Body, c.contains)
			}
			if c.status >= 400 {
				jsonError(t, rec)
			}
			// Natively the engine runs its pure-Go twins, and says so.
			if got := rec.Header().Get(kernelsHeader); got != "go" {
				t.Fatalf("%s %q, want \"go\"", kernelsHeader, got)
			}
		})
	}
	if loads != 0 {
		t.Fatalf("the model was loaded %d times by requests that never classify", loads)
	}
}

func TestBodyLimit(t *testing.T) {
	h := newHandler(func() (*engine.Model, error) { return nil, errNoModel }, options{maxBody: 10})

	// Declared length over the limit: refused before reading.
	rec := serve(h, "POST", "/classify", strings.Repeat("x", 11))
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("declared 11 bytes: status %d, want 413", rec.Code)
	}
	// Undeclared (chunked) length over the limit: refused after reading limit+1.
	req := httptest.NewRequest("POST", "/classify", strings.NewReader(strings.Repeat("x", 11)))
	req.ContentLength = -1
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("chunked 11 bytes: status %d, want 413", rec.Code)
	}
	if msg := jsonError(t, rec); !strings.Contains(msg, "10 bytes") {
		t.Fatalf("error %q does not name the limit", msg)
	}
	// Exactly the limit gets past the size check, to the content check.
	rec = serve(h, "POST", "/classify", strings.Repeat("x", 10))
	if rec.Code != http.StatusUnsupportedMediaType {
		t.Fatalf("10 bytes: status %d body %q, want 415 (not an image), not 413", rec.Code, rec.Body)
	}
}

func TestLoadFailsOnce(t *testing.T) {
	loads := 0
	h := newHandler(func() (*engine.Model, error) { loads++; return nil, errNoModel }, options{})
	for i := 0; i < 3; i++ {
		rec := serve(h, "POST", "/classify", "GIF89a\x01\x00\x01\x00\x00\x00\x00") // a 1×1 header
		if rec.Code != http.StatusInternalServerError {
			t.Fatalf("status %d, want 500", rec.Code)
		}
	}
	if loads != 1 {
		t.Fatalf("load called %d times, want 1", loads)
	}
}

func TestStatusOf(t *testing.T) {
	cases := []struct {
		err  error
		want int
	}{
		{preprocess.ErrEmpty, 415},
		{preprocess.ErrFormat, 415},
		{fmt.Errorf("decode: %w", preprocess.ErrFormat), 415},
		{preprocess.ErrTooLarge, 422},
		{fmt.Errorf("60000×60000: %w", preprocess.ErrTooLarge), 422},
		{fmt.Errorf("jpeg: %w", preprocess.ErrCorrupt), 422},
		{errInternal, 500},
		{errors.New("something else"), 500},
	}
	for _, c := range cases {
		if got := statusOf(c.err); got != c.want {
			t.Errorf("statusOf(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}

// gifHeader is a GIF header claiming a w×h screen: its decode would hold
// a byte per pixel of indices and four of RGBA.
func gifHeader(w, h int) string {
	return "GIF89a" + string([]byte{byte(w), byte(w >> 8), byte(h), byte(h >> 8)}) + "\x00\x00\x00"
}

func TestDecodeBudget(t *testing.T) {
	h := newHandler(func() (*engine.Model, error) { return nil, errNoModel }, options{})
	// 6000×3000: ~18 MP at 5 bytes each is over the budget: refused with
	// 422 before the model is even loaded, naming the need and the limit.
	rec := serve(h, "POST", "/classify", gifHeader(6000, 3000))
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("6000×3000 GIF: status %d body %q, want 422", rec.Code, rec.Body)
	}
	budget := fmt.Sprintf("over this host's %d MiB budget", bodyBudget(len(gifHeader(6000, 3000)))>>20)
	if msg := jsonError(t, rec); !strings.Contains(msg, "needs ~") || !strings.Contains(msg, budget) {
		t.Fatalf("error %q should say what it needs and name %q", msg, budget)
	}
	// 4000×2000 (~43 MiB with the resize): through to the (missing) model.
	if rec := serve(h, "POST", "/classify", gifHeader(4000, 2000)); rec.Code != http.StatusInternalServerError {
		t.Fatalf("within the budget: status %d body %q, want 500 from the missing model", rec.Code, rec.Body)
	}
}

func TestReadAll(t *testing.T) {
	for _, n := range []int{0, 1, 511, 512, 513, 100_000} {
		body := strings.Repeat("x", n)
		for _, declared := range []int64{-1, int64(n)} {
			b, err := readAll(strings.NewReader(body), declared)
			if err != nil || string(b) != body {
				t.Fatalf("n=%d declared=%d: %d bytes, %v", n, declared, len(b), err)
			}
			if declared == int64(n) && cap(b) != n+1 && n >= 512 {
				t.Errorf("n=%d: buffer grew to %d, want one of %d", n, cap(b), n+1)
			}
		}
	}
}

// The worker's budget shrinks with the instance's linear memory and never
// reaches zero, which preprocess would read as "no budget given" (a full
// instance once decoded a 27 MiB PNG on a budget of -0.5 MiB that way).
func TestInstanceBudget(t *testing.T) {
	for _, linear := range []uint64{0, 64 << 20, LinearCeiling - growthSlack, LinearCeiling, 200 << 20} {
		b := instanceBudget(linear)
		if b < 1 {
			t.Fatalf("linear %d MiB: budget %d, want at least 1", linear>>20, b)
		}
		if int64(linear)+b+growthSlack > LinearCeiling && b != 1 {
			t.Fatalf("linear %d MiB: budget %d MiB passes the ceiling", linear>>20, b>>20)
		}
		lim := preprocess.Limits{Budget: b}
		if _, err := preprocess.Check([]byte(gifHeader(4000, 2000)), lim); linear >= LinearCeiling-growthSlack && !errors.Is(err, preprocess.ErrOverBudget) {
			t.Fatalf("linear %d MiB: a 4000×2000 GIF was not refused: %v", linear>>20, err)
		}
	}
	if retire(64<<20) || !retire(LinearCeiling-growthSlack-RetireBelow+1) || retire(0) {
		t.Fatal("retire: want a fresh instance kept, a full one retired, and no verdict without a linear memory")
	}
}
