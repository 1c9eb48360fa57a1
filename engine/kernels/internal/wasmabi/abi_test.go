package wasmabi

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// dir is the kernel sources' folder, relative to this package.
const dir = "../../wat/"

func read(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(dir + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestGeneratedFresh fails when a generated file was edited by hand or not
// regenerated after a change to Kernels.
func TestGeneratedFresh(t *testing.T) {
	for name, want := range map[string]string{"forwarder.wat": Forwarder(), "interface.md": DocTable()} {
		if got := read(t, name); got != want {
			t.Errorf("%s is stale: run `go generate ./engine/kernels`", name)
		}
	}
	wat := read(t, "kernels.wat")
	want, err := WithWide(wat)
	if err != nil {
		t.Fatal(err)
	}
	if wat != want {
		t.Errorf("kernels.wat's wide-weight block is stale: run `go generate ./engine/kernels`")
	}
}

// TestWideVariantCatchesDrift: a change to an int8 kernel that the wide
// rewrite no longer recognises fails generation rather than passing an
// int8 load through to the wide kernel.
func TestWideVariantCatchesDrift(t *testing.T) {
	wat := read(t, "kernels.wat")
	for _, drift := range []struct{ from, to string }{
		{"(v128.load8x8_s offset=0 (local.get $wk))", "(v128.load8x8_s offset=0 (local.get $wq))"},
		{"(i32.load8_s (i32.add (local.get $row) (local.get $i)))", "(i32.load8_s (i32.add (local.get $i) (local.get $row)))"},
	} {
		if _, err := WideVariant(strings.ReplaceAll(wat, drift.from, drift.to)); err == nil {
			t.Errorf("%s → %s: no error", drift.from, drift.to)
		}
	}
	gen, err := WideVariant(wat)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(gen, "load8x8_s") || strings.Contains(gen, "load8_s") {
		t.Errorf("the wide block still loads bytes")
	}
}

var (
	fwdType = regexp.MustCompile(`\(type \$(\w+) \(func ?((?:\((?:param|result)[^()]*\) ?)*)\)\)`)
	fwdFunc = regexp.MustCompile(`\(func \(export "(\w+)"\) \(type \$(\w+)\)\s*\(call_indirect \$t \(type \$(\w+)\)[^()]*(?:\(local\.get \d+\)\s*)*\(i32\.const (\d+)\)\)\)`)
)

// checkForwarder parses a forwarder module and checks that each export calls
// the slot Kernels gives its name, with the signature Kernels gives it.
func checkForwarder(src string) error {
	types := map[string]string{}
	for _, m := range fwdType.FindAllStringSubmatch(src, -1) {
		types[m[1]] = strings.TrimSpace(m[2])
	}
	funcs := fwdFunc.FindAllStringSubmatch(src, -1)
	if len(funcs) != len(Kernels) {
		return fmt.Errorf("forwarder: %d forwarding functions, want %d", len(funcs), len(Kernels))
	}
	for _, m := range funcs {
		name, typ, callType := m[1], m[2], m[3]
		slot, _ := strconv.Atoi(m[4])
		k, want := lookup(name)
		if want < 0 {
			return fmt.Errorf("forwarder: export %q is not in the kernel interface", name)
		}
		if slot != want {
			return fmt.Errorf("forwarder: %s calls slot %d, want %d", name, slot, want)
		}
		if typ != callType || types[typ] != k.Signature() {
			return fmt.Errorf("forwarder: %s has type %q / %q (%s), want %s", name, typ, callType, types[typ], k.Signature())
		}
	}
	return nil
}

func lookup(name string) (Kernel, int) {
	for i, k := range Kernels {
		if k.Name == name {
			return k, i
		}
	}
	return Kernel{}, -1
}

var slotsJS = regexp.MustCompile(`(?s)export const SLOTS = \[(.*?)\];`)

// checkLoaderSlots checks loader.mjs's SLOTS, the names it fills the table
// with in order, against Kernels.
func checkLoaderSlots(src string) error {
	m := slotsJS.FindStringSubmatch(src)
	if m == nil {
		return fmt.Errorf("loader.mjs: no `export const SLOTS = [...]`")
	}
	var names []string
	for _, f := range strings.Split(m[1], ",") {
		if f = strings.TrimSpace(f); f != "" {
			names = append(names, strings.Trim(f, `'"`))
		}
	}
	if len(names) != len(Kernels) {
		return fmt.Errorf("loader.mjs: %d slots, want %d", len(names), len(Kernels))
	}
	for i, n := range names {
		if n != Kernels[i].Name {
			return fmt.Errorf("loader.mjs: slot %d is %q, want %q", i, n, Kernels[i].Name)
		}
	}
	return nil
}

var watExport = regexp.MustCompile(`\(export "(\w+)"\)((?:\s*\((?:param \$\w+ \w+|result \w+)\))*)`)
var watParam = regexp.MustCompile(`\((?:param \$(\w+) (\w+)|result (\w+))\)`)

// checkKernelExports checks that kernels.wat exports every kernel with the
// declared parameter names and types, and nothing else.
func checkKernelExports(src string) error {
	seen := map[string]bool{}
	for _, m := range watExport.FindAllStringSubmatch(src, -1) {
		name := m[1]
		k, slot := lookup(name)
		if slot < 0 {
			return fmt.Errorf("kernels.wat: export %q is not in the kernel interface", name)
		}
		got := Kernel{Name: name}
		for _, p := range watParam.FindAllStringSubmatch(m[2], -1) {
			if p[3] != "" {
				got.Result = p[3]
			} else {
				got.Params = append(got.Params, Param{p[1], p[2]})
			}
		}
		if fmt.Sprint(got.Params, got.Result) != fmt.Sprint(k.Params, k.Result) {
			return fmt.Errorf("kernels.wat: %s(%v) %s, interface says (%v) %s", name, got.Params, got.Result, k.Params, k.Result)
		}
		seen[name] = true
	}
	for _, k := range Kernels {
		if !seen[k.Name] {
			return fmt.Errorf("kernels.wat: %s is not exported", k.Name)
		}
	}
	return nil
}

// checkGoImports checks the //go:wasmimport kernels declarations in Go
// source against Kernels: every kernel declared once, with arguments of the
// same wasm types (unsafe.Pointer and int32 are i32, float32 is f32).
func checkGoImports(src string) error {
	f, err := parser.ParseFile(token.NewFileSet(), "kernels_wasm.go", src, parser.ParseComments)
	if err != nil {
		return err
	}
	wasmType := map[string]string{"unsafe.Pointer": "i32", "int32": "i32", "float32": "f32"}
	typeOf := func(e ast.Expr) string {
		switch e := e.(type) {
		case *ast.Ident:
			return wasmType[e.Name]
		case *ast.SelectorExpr:
			if x, ok := e.X.(*ast.Ident); ok {
				return wasmType[x.Name+"."+e.Sel.Name]
			}
		}
		return "?"
	}
	seen := map[string]bool{}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Doc == nil {
			continue
		}
		var name string
		for _, c := range fd.Doc.List {
			if rest, ok := strings.CutPrefix(c.Text, "//go:wasmimport kernels "); ok {
				name = strings.TrimSpace(rest)
			}
		}
		if name == "" || name == "link" { // link is the loader's, not a slot
			continue
		}
		k, slot := lookup(name)
		if slot < 0 {
			return fmt.Errorf("kernels_wasm.go: %s imports %q, which is not in the kernel interface", fd.Name.Name, name)
		}
		if seen[name] {
			return fmt.Errorf("kernels_wasm.go: %q imported twice", name)
		}
		seen[name] = true
		got := Kernel{Name: name}
		for _, fl := range fd.Type.Params.List {
			for range max(1, len(fl.Names)) {
				got.Params = append(got.Params, Param{Type: typeOf(fl.Type)})
			}
		}
		if fd.Type.Results != nil {
			got.Result = typeOf(fd.Type.Results.List[0].Type)
		}
		if got.Signature() != k.Signature() {
			return fmt.Errorf("kernels_wasm.go: %s imports %s as %s, interface says %s", fd.Name.Name, name, got.Signature(), k.Signature())
		}
	}
	for _, k := range Kernels {
		if !seen[k.Name] {
			return fmt.Errorf("kernels_wasm.go: %s is not imported", k.Name)
		}
	}
	return nil
}

// TestSidesAgree checks every hand-written side against the declaration.
func TestSidesAgree(t *testing.T) {
	for _, c := range []struct {
		file  string
		check func(string) error
	}{
		{"forwarder.wat", checkForwarder},
		{"loader.mjs", checkLoaderSlots},
		{"kernels.wat", checkKernelExports},
		{"../kernels_wasm.go", checkGoImports},
	} {
		if err := c.check(read(t, c.file)); err != nil {
			t.Errorf("%s: %v", c.file, err)
		}
	}
}

// TestSlotSwapFails swaps two kernels of the same type — a swap no wasm
// engine would trap on, only wrong results would show — in each file that
// orders slots, and expects the check to catch it.
func TestSlotSwapFails(t *testing.T) {
	a, b := "im2col", "winograd_in_u16"
	ka, sa := lookup(a)
	kb, sb := lookup(b)
	if ka.Signature() != kb.Signature() {
		t.Fatalf("%s and %s no longer share a type; pick another pair", a, b)
	}
	swapConst := func(src string) string {
		ea := fmt.Sprintf("(export %q)", a)
		eb := fmt.Sprintf("(export %q)", b)
		for _, e := range []struct {
			export   string
			from, to int
		}{{ea, sa, sb}, {eb, sb, sa}} {
			i := strings.Index(src, e.export)
			j := i + strings.Index(src[i:], fmt.Sprintf("(i32.const %d)", e.from))
			src = src[:j] + fmt.Sprintf("(i32.const %d)", e.to) + src[j+len(fmt.Sprintf("(i32.const %d)", e.from)):]
		}
		return src
	}
	swapNames := func(src string) string {
		r := strings.NewReplacer(fmt.Sprintf("'%s'", a), fmt.Sprintf("'%s'", b), fmt.Sprintf("'%s'", b), fmt.Sprintf("'%s'", a))
		return r.Replace(src)
	}
	for _, c := range []struct {
		file  string
		swap  func(string) string
		check func(string) error
	}{
		{"forwarder.wat", swapConst, checkForwarder},
		{"loader.mjs", swapNames, checkLoaderSlots},
	} {
		src := read(t, c.file)
		swapped := c.swap(src)
		if swapped == src {
			t.Fatalf("%s: the swap changed nothing", c.file)
		}
		if err := c.check(swapped); err == nil {
			t.Errorf("%s with %s and %s swapped passes the check", c.file, a, b)
		} else {
			t.Logf("%s swapped: %v", c.file, err)
		}
	}
}
