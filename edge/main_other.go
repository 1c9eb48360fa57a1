//go:build !(js && wasm)

// Command edge is the classifier as a Cloudflare Worker (built with
// GOOS=js GOARCH=wasm, see README.md). Built natively it serves the same
// handler over plain HTTP, for debugging, and -check verifies a model file
// before the wasm build embeds it without re-hashing.
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/inbrowser-ai/resnet/engine"
	"github.com/inbrowser-ai/resnet/engine/modelfile"
)

func main() {
	modelPath := flag.String("model", "weights/resnet50-keras.rnm", "model file")
	addr := flag.String("addr", "127.0.0.1:8787", "listen address")
	check := flag.Bool("check", false, "verify the model file's checksum and exit")
	flag.Parse()

	b, err := os.ReadFile(*modelPath)
	if err != nil {
		log.Fatal(err)
	}
	if *check {
		if _, err := modelfile.Parse(b, modelfile.Verify); err != nil {
			log.Fatalf("%s: %v", *modelPath, err)
		}
		fmt.Printf("%s: ok (%d bytes)\n", *modelPath, len(b))
		return
	}
	h := newHandler(func() (*engine.Model, error) {
		return engine.Load(b, modelfile.Verify)
	}, options{memory: func() memStats { return readMemStats(len(b)) }})
	log.Printf("serving %s on http://%s/", *modelPath, *addr)
	log.Fatal(http.ListenAndServe(*addr, h))
}
