package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Paths no file can have — a NUL byte, a name over 255 bytes, a path over
// 4096 — and symlinks that leave their mount are 404, like any file that
// is not there, never a 500.
func TestImpossiblePathsAreNotFound(t *testing.T) {
	s, _ := fixture(t)
	samples := s.mounts[len(s.mounts)-2].dir // /samples/
	outside := filepath.Join(filepath.Dir(samples), "outside.txt")
	secret := filepath.Join(filepath.Dir(samples), "secret.jpg")
	if err := os.WriteFile(secret, []byte{0xff, 0xd8, 0xff, 0xd9}, 0o644); err != nil {
		t.Fatal(err)
	}
	for link, target := range map[string]string{
		"escape.txt":   outside,
		"escape2.jpg":  "../secret.jpg",
		"loop.jpg":     "loop.jpg",
		"dangling.jpg": "nowhere.jpg",
	} {
		if err := os.Symlink(target, filepath.Join(samples, link)); err != nil {
			t.Fatal(err)
		}
	}
	long := strings.Repeat("a", 256)
	for _, url := range []string{
		"/%00", "/app.js%00", "/samples/cat%00.jpg", "/models/%00.rnm",
		"/" + long, "/samples/" + long + ".jpg", "/models/" + long + ".rnm",
		"/" + strings.Repeat("d/", 2100) + "x.js",
		"/samples/escape.txt", "/samples/escape2.jpg", "/samples/loop.jpg", "/samples/dangling.jpg",
	} {
		r := get(t, s, url)
		if r.StatusCode != http.StatusNotFound {
			t.Errorf("%.80s: status %d, want 404", url, r.StatusCode)
		}
	}
	// What is listed can be fetched: the samples symlinked from outside are not listed.
	var mf manifest
	if err := json.Unmarshal(body(t, get(t, s, "/manifest.json")), &mf); err != nil {
		t.Fatal(err)
	}
	if len(mf.Samples) != 1 || mf.Samples[0].Name != "cat" {
		t.Errorf("samples %+v, want only cat", mf.Samples)
	}
	for _, smp := range mf.Samples {
		if r := get(t, s, smp.URL); r.StatusCode != 200 {
			t.Errorf("listed sample %s: status %d", smp.URL, r.StatusCode)
		}
	}
}

// serveReal runs the site behind a real server with the given timeouts.
func serveReal(t *testing.T, s *site, to timeouts) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := newServer(s, to)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// closedWithin says whether the server closes conn within d (reads until
// EOF or an error, discarding what arrives), and how many bytes came.
func closedWithin(conn net.Conn, d time.Duration) (bool, int64) {
	conn.SetReadDeadline(time.Now().Add(d))
	n, err := io.Copy(io.Discard, conn)
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout()), n
}

// A client that sends its headers too slowly, or keeps a connection idle,
// is disconnected; one that stops reading a response is cut off once the
// response's time is up. None holds a connection forever.
func TestTimeouts(t *testing.T) {
	s, _ := fixture(t)
	big := make([]byte, 48<<20) // more than loopback's socket buffers hold
	for i := range big {
		big[i] = byte(i * 7919 >> 8)
	}
	if err := os.WriteFile(filepath.Join(s.mounts[len(s.mounts)-2].dir, "big.jpg"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	addr := serveReal(t, s, timeouts{ReadHeader: 300 * time.Millisecond, Read: time.Second, Idle: 300 * time.Millisecond, Write: 300 * time.Millisecond, MinRate: 1 << 40})

	slow, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	io.WriteString(slow, "GET / HTTP/1.1\r\nHost: x\r\n") // and never the blank line
	if closed, _ := closedWithin(slow, 5*time.Second); !closed {
		t.Error("a client that never finishes its headers still holds its connection after 5 s")
	}

	idle, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	io.WriteString(idle, "GET /app.js HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(idle), nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("first request: %v %v", resp, err)
	}
	io.Copy(io.Discard, resp.Body)
	if closed, _ := closedWithin(idle, 5*time.Second); !closed {
		t.Error("an idle keep-alive connection is still open after 5 s")
	}

	stalled, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()
	io.WriteString(stalled, "GET /samples/big.jpg HTTP/1.1\r\nHost: x\r\n\r\n")
	time.Sleep(2 * time.Second) // not reading
	if closed, n := closedWithin(stalled, 10*time.Second); !closed || n >= int64(len(big)) {
		t.Errorf("a client that stopped reading: closed %v after %d of %d bytes, want cut off", closed, n, len(big))
	}

	// A client that reads, slowly (about 24 MB/s: 2 s for the file), gets the
	// whole file: the deadline grows with the file's size at MinRate.
	addr = serveReal(t, s, timeouts{ReadHeader: time.Second, Read: time.Second, Idle: time.Second, Write: 300 * time.Millisecond, MinRate: 8 << 20})
	r, err := http.Get("http://" + addr + "/samples/big.jpg")
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	buf := make([]byte, 1<<20)
	for err == nil {
		var k int
		k, err = io.ReadFull(r.Body, buf)
		n += int64(k)
		time.Sleep(40 * time.Millisecond)
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		err = nil
	}
	r.Body.Close()
	if err != nil || n != int64(len(big)) {
		t.Errorf("a reading client got %d of %d bytes: %v", n, len(big), err)
	}
}

// FuzzPath: whatever the path, the server answers with a status a static
// site has — never a 500 for a name that cannot exist, never a panic.
func FuzzPath(f *testing.F) {
	s, _ := fixture(f)
	for _, p := range []string{"/", "/app.js", "/%00", "/models/tiny.rnm", "/samples/../outside.txt", "/" + strings.Repeat("a", 300)} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		req, err := http.NewRequest("GET", "http://x"+p, nil)
		if err != nil || req.URL.Path == "" || req.URL.Path[0] != '/' {
			return // not a request a client can send
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		switch rec.Code {
		case 200, 304, 404:
		default:
			t.Fatalf("%q: status %d", p, rec.Code)
		}
	})
}
