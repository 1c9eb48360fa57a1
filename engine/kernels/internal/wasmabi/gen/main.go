// Command gen writes the files generated from the kernel interface
// (engine/kernels/internal/wasmabi) into the kernel sources' folder, given
// as its argument, and regenerates kernels.wat's wide-weight block.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/inbrowser-ai/resnet/engine/kernels/internal/wasmabi"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gen DIR")
		os.Exit(2)
	}
	for name, text := range map[string]string{
		"forwarder.wat": wasmabi.Forwarder(),
		"interface.md":  wasmabi.DocTable(),
	} {
		if err := os.WriteFile(filepath.Join(os.Args[1], name), []byte(text), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
	}
	wat := filepath.Join(os.Args[1], "kernels.wat")
	src, err := os.ReadFile(wat)
	if err == nil {
		var out string
		if out, err = wasmabi.WithWide(string(src)); err == nil {
			err = os.WriteFile(wat, []byte(out), 0o644)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
