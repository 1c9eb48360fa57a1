package pth

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime/metrics"
	"strings"
	"syscall"
	"testing"
)

// The files in testdata/hostile are made by testdata/hostile/make_hostile.py.
const hostile = "../../../testdata/hostile/"

// allocated runs f and returns the bytes it allocated on the heap (all of
// them, freed or not: an upper bound on its peak).
func allocated(f func()) uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	before := s[0].Value.Uint64()
	f()
	metrics.Read(s)
	return s[0].Value.Uint64() - before
}

// maxHostileAlloc is what refusing a hostile checkpoint may cost: deep.pth
// inflates a 12 MB pickle; TestPickleOpsLimit builds the most the
// unpickler may.
const maxHostileAlloc = 96 << 20

func TestHostileCheckpoints(t *testing.T) {
	for _, tc := range []struct{ file, want string }{
		// Each of these overflowed the goroutine stack (a fatal error,
		// beyond recover) or, for deep_mark, took 940 MB.
		{"cycle.pth", `checkpoint["state_dict"] is a dict that contains it (a cycle)`},
		{"cycle2.pth", `checkpoint["model"]["state_dict"] is a dict that contains it (a cycle)`},
		{"deep.pth", "pickle has more than 262144 opcodes (the limit"},
		{"deep_mark.pth", "pickle nests more than 256 MARKs at byte 258 (the limit)"},
		{"nested.pth", "checkpoint wraps its state dict in more than 8 dicts (the limit)"},
		{"deep_tuple.pth", `no tensors and no state_dict/model entry in a dict with keys ["conv1.weight"]`},
	} {
		t.Run(tc.file, func(t *testing.T) {
			var err error
			n := allocated(func() { _, err = Read(hostile + tc.file) })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			t.Logf("%v; %.1f MB allocated", err, float64(n)/1e6)
			if n > maxHostileAlloc {
				t.Errorf("refusing it allocated %d bytes (limit %d)", n, maxHostileAlloc)
			}
		})
	}
}

// torchZip writes torch.save's layout: data.pkl, then each storage under
// data/<key>, deflated. A storage given as a stream is stored as is, with
// the size and CRC the caller claims.
type rawRecord struct {
	deflated []byte
	crc      uint32
	size     uint64
}

func torchZip(t testing.TB, pkl []byte, storages map[string]any) []byte {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	w, err := z.Create("archive/data.pkl")
	if err != nil {
		t.Fatal(err)
	}
	w.Write(pkl)
	for i := 0; i < len(storages); i++ {
		key := fmt.Sprint(i)
		name := "archive/data/" + key
		switch s := storages[key].(type) {
		case []byte:
			w, err := z.Create(name)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(s)
		case rawRecord:
			w, err := z.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate,
				CRC32: s.crc, CompressedSize64: uint64(len(s.deflated)), UncompressedSize64: s.size})
			if err != nil {
				t.Fatal(err)
			}
			w.Write(s.deflated)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// zeros deflates n zero bytes (fast: about 0.3 s per 512 MiB).
func zeros(t testing.TB, n int64) rawRecord {
	var buf bytes.Buffer
	fw, err := flate.NewWriter(&buf, flate.BestSpeed)
	if err != nil {
		t.Fatal(err)
	}
	h := crc32.NewIEEE()
	chunk := make([]byte, 1<<20)
	for left := n; left > 0; left -= int64(len(chunk)) {
		c := chunk[:min(left, int64(len(chunk)))]
		fw.Write(c)
		h.Write(c)
	}
	fw.Close()
	return rawRecord{buf.Bytes(), h.Sum32(), uint64(n)}
}

// bombPickle is make_hostile.py's bomb pickle: an OrderedDict naming
// storages 0..len(names)-1 of n elements of class cls, each viewed as one
// tensor of the given shape.
func bombPickle(names []string, cls string, n int, shape [2]int) []byte {
	var p bytes.Buffer
	str := func(s string) {
		p.WriteByte('X')
		binary.Write(&p, binary.LittleEndian, uint32(len(s)))
		p.WriteString(s)
	}
	i32 := func(v int) { p.WriteByte('J'); binary.Write(&p, binary.LittleEndian, int32(v)) }
	p.WriteString("\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01(")
	for i, name := range names {
		str(name)
		p.WriteString("ctorch._utils\n_rebuild_tensor_v2\n((")
		str("storage")
		p.WriteString("ctorch\n" + cls + "\n")
		str(fmt.Sprint(i))
		str("cpu")
		i32(n)
		p.WriteString("tQK\x00")
		i32(shape[0])
		i32(shape[1])
		p.WriteString("\x86")
		i32(shape[1])
		p.WriteString("K\x01\x86\x89ccollections\nOrderedDict\n)RtR")
	}
	p.WriteString("u.")
	return p.Bytes()
}

var bombNames = []string{"conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean",
	"bn1.running_var", "fc.weight", "fc.bias", "layer1.0.conv1.weight"}

// TestZipBomb is the bug report's bomb: 4 MB of file, eight float64
// storages of 2^26 elements, 4 GiB inflated. It took the converter to
// 7.1 GB before it said "not a torchvision ResNet".
func TestZipBomb(t *testing.T) {
	n := 1 << 26
	stream := zeros(t, int64(8*n))
	storages := map[string]any{}
	for i := range bombNames {
		storages[fmt.Sprint(i)] = stream
	}
	b := torchZip(t, bombPickle(bombNames, "DoubleStorage", n, [2]int{8192, 8192}), storages)
	t.Logf("bomb: %d bytes", len(b))
	var err error
	alloc := allocated(func() { _, err = ReadBytes(b) })
	want := `storage "0" declares 67108864 float64 elements (536870912 bytes), over the limit of 256 MiB for one storage`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want one containing %q", err, want)
	}
	t.Logf("%v; %.1f MB allocated", err, float64(alloc)/1e6)
	if alloc > maxHostileAlloc {
		t.Errorf("refusing the bomb allocated %d bytes (limit %d)", alloc, maxHostileAlloc)
	}
}

// TestZipBombWithinOneStorage keeps every storage at the per-storage limit
// (float32, 2^26 elements: 2 GiB together): the shapes are refused before
// any storage is inflated.
func TestZipBombWithinOneStorage(t *testing.T) {
	n := 1 << 26
	stream := zeros(t, int64(4*n))
	storages := map[string]any{}
	for i := range bombNames {
		storages[fmt.Sprint(i)] = stream
	}
	b := torchZip(t, bombPickle(bombNames, "FloatStorage", n, [2]int{8192, 8192}), storages)
	var err error
	alloc := allocated(func() { _, err = ReadBytes(b) })
	want := `not a torchvision ResNet: "conv1.weight" has shape [8192 8192], want [-1 3 7 7]`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want one containing %q", err, want)
	}
	if alloc > maxHostileAlloc {
		t.Errorf("refusing it allocated %d bytes (limit %d)", alloc, maxHostileAlloc)
	}
}

// TestTotalLimit: a real checkpoint whose tensors together exceed the
// limit on all storages is refused before any is read.
func TestTotalLimit(t *testing.T) {
	b, err := os.ReadFile(parity + "resnet18-w8.pth")
	if err != nil {
		t.Fatal(err)
	}
	lim := defaultLimits()
	lim.totalBytes = 500_000 // the fixture's tensors take 0.96 MB
	_, err = decode(bytes.NewReader(b), int64(len(b)), lim)
	want := "over the limit of 500000 bytes for a checkpoint"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want one containing %q", err, want)
	}
}

// TestDeclaredSizesNotTrusted rewrites a real checkpoint so that each
// storage record inflates far past what its pickle declares (the real
// bytes, then 4 MiB of zeros: 250 MB for the 62 storages) while the zip directory tells the truth
// about neither: reads stop at the pickle's size, the network is the same,
// and the zeros are never inflated.
func TestDeclaredSizesNotTrusted(t *testing.T) {
	b, err := os.ReadFile(parity + "resnet18-w8.pth")
	if err != nil {
		t.Fatal(err)
	}
	want, err := ReadBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	pad := make([]byte, 4<<20)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(f.Name, "/data/") {
			w, _ := zw.Create(f.Name)
			w.Write(data)
			continue
		}
		var d bytes.Buffer
		fw, _ := flate.NewWriter(&d, flate.BestSpeed)
		fw.Write(data)
		fw.Write(pad)
		fw.Close()
		// The directory claims the real size; the stream goes on.
		w, err := zw.CreateRaw(&zip.FileHeader{Name: f.Name, Method: zip.Deflate,
			CRC32: crc32.ChecksumIEEE(data), CompressedSize64: uint64(d.Len()), UncompressedSize64: uint64(len(data))})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(d.Bytes())
	}
	zw.Close()
	var got any
	alloc := allocated(func() { got, err = ReadBytes(out.Bytes()) })
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Error("the padded checkpoint reads as another network")
	}
	// The fixture itself: about 1 MB of tensors, read and converted.
	if alloc > 32<<20 {
		t.Errorf("reading it allocated %d bytes: the padding was inflated", alloc)
	}
}

// TestLegacyStorageLimit: the pre-1.6 format checks the same per-storage
// limit against what its pickle declares.
func TestLegacyStorageLimit(t *testing.T) {
	b, err := os.ReadFile("testdata/legacy.pth")
	if err != nil {
		t.Fatal(err)
	}
	lim := defaultLimits()
	lim.storageBytes = 64
	_, err = decode(bytes.NewReader(b), int64(len(b)), lim)
	if err == nil || !strings.Contains(err.Error(), "over the limit of 64 bytes for one storage") {
		t.Fatalf("error %v", err)
	}
}

// TestPickleOpsLimit runs the unpickler's most expensive opcodes up to the
// limit on their number: what it builds stays within maxHostileAlloc.
func TestPickleOpsLimit(t *testing.T) {
	n := defaultLimits().pickleOps
	for _, tc := range []struct{ name, body string }{
		{"empty dicts", strings.Repeat("}", n-3)},
		{"marked tuples", strings.Repeat("(t", n/2-2)},
		{"ordered dicts", "ccollections\nOrderedDict\nq\x00" + strings.Repeat("h\x00)R", n/3-3)},
		{"nested lists", "]" + strings.Repeat("]a", n/2-3)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := torchZip(t, []byte("\x80\x02"+tc.body+"."), nil)
			var err error
			alloc := allocated(func() { _, err = ReadBytes(b) })
			if err == nil || !strings.Contains(err.Error(), "not a state dict") && !strings.Contains(err.Error(), "no tensors") {
				t.Fatalf("error %v, want the pickle run and refused as no state dict", err)
			}
			t.Logf("%.1f MB allocated", float64(alloc)/1e6)
			if alloc > maxHostileAlloc {
				t.Errorf("%d bytes allocated (limit %d)", alloc, maxHostileAlloc)
			}
		})
	}
	// One opcode more is refused before anything runs.
	b := torchZip(t, []byte("\x80\x02"+strings.Repeat("}", n-1)+"."), nil)
	if _, err := ReadBytes(b); err == nil || !strings.Contains(err.Error(), "pickle has more than 262144 opcodes") {
		t.Errorf("error %v", err)
	}
}

// TestReadRegularFilesOnly: a pipe would block the open, a device be read
// without end.
func TestReadRegularFilesOnly(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "x.pth")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fifo, "/dev/zero", t.TempDir()} {
		if _, err := Read(p); err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("%s: %v", p, err)
		}
	}
}

// TestBombUnderMemoryLimit reads the bug report's bomb and the hostile
// files in a child process whose address space is limited to 1 GiB
// (ulimit -v): the old reader needed 7.1 GB for the bomb and died there
// ("fatal error: out of memory"), and 1 GB of stack for the cycle; this one
// must refuse each, naming the limit. The child is this test binary, run
// again.
func TestBombUnderMemoryLimit(t *testing.T) {
	if files := os.Getenv("PTH_TEST_CHILD_READ"); files != "" {
		for _, f := range filepath.SplitList(files) {
			_, err := Read(f)
			fmt.Printf("child: %v\n", err)
		}
		return
	}
	n := 1 << 26
	stream := zeros(t, int64(8*n))
	storages := map[string]any{}
	for i := range bombNames {
		storages[fmt.Sprint(i)] = stream
	}
	bomb := filepath.Join(t.TempDir(), "bomb.pth")
	if err := os.WriteFile(bomb, torchZip(t, bombPickle(bombNames, "DoubleStorage", n, [2]int{8192, 8192}), storages), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/bin/sh", "-c", `ulimit -v 1048576 && exec "$0" -test.run '^TestBombUnderMemoryLimit$' -test.v`, os.Args[0])
	files := []string{bomb}
	for _, f := range []string{"cycle.pth", "deep.pth", "deep_mark.pth", "nested.pth"} {
		files = append(files, hostile+f)
	}
	cmd.Env = append(os.Environ(), "PTH_TEST_CHILD_READ="+strings.Join(files, string(filepath.ListSeparator)), "GOMAXPROCS=2")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	for _, want := range []string{
		"child: " + bomb + `: pth: storage "0" declares 67108864 float64 elements (536870912 bytes), over the limit of 256 MiB for one storage`,
		"cycle.pth: pth: checkpoint[\"state_dict\"] is a dict that contains it (a cycle)",
		"deep.pth: pth: data.pkl: pickle has more than 262144 opcodes (the limit",
		"deep_mark.pth: pth: data.pkl: pickle nests more than 256 MARKs",
		"nested.pth: pth: checkpoint wraps its state dict in more than 8 dicts (the limit)",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("child said:\n%s\nwant %q", out, want)
		}
	}
}

// TestZipDirectoryLimit: archive/zip parses a directory whole before
// anything can be checked, at 2.5 bytes of memory per byte. A directory of
// 11 MB (60 000 entries with long names, plain end record) or 9 MB (200 000
// entries: zip64 end records) is refused from the end records first.
func TestZipDirectoryLimit(t *testing.T) {
	for _, tc := range []struct {
		entries int
		name    string
	}{
		{60_000, strings.Repeat("n", 140) + "%07d"},
		{200_000, "x/%07d"},
	} {
		var buf bytes.Buffer
		z := zip.NewWriter(&buf)
		w, _ := z.Create("archive/data.pkl")
		w.Write([]byte("\x80\x02}."))
		for i := 0; i < tc.entries; i++ {
			z.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf(tc.name, i), Method: zip.Store})
		}
		z.Close()
		b := buf.Bytes()
		var err error
		alloc := allocated(func() { _, err = ReadBytes(b) })
		want := "over the limit of 8 MiB (a ResNet-152 checkpoint's take about 90 kB)"
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("%d entries: error %v, want %q", tc.entries, err, want)
		}
		if alloc > 1<<20 {
			t.Errorf("%d entries: refusing them allocated %d bytes", tc.entries, alloc)
		}
	}
}
