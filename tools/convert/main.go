// Command convert turns a ResNet checkpoint into the project's model file.
//
//	convert -in SOURCE -out FILE [-quant int8|f32] [-name NAME] [-labels FILE] [-calib DIR] [-report]
//
// SOURCE is a TF.js layers model.json (weight shards beside it), a PyTorch
// .pth state dict of a torchvision ResNet, or an ONNX file of a ResNet. The
// depth, block kind and stride placement are read from the source; anything
// that is not an ImageNet ResNet-18/34/50/101/152 is refused. The same input
// always gives the same bytes.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/tools/convert/encode"
	"github.com/inbrowser-ai/resnet/tools/convert/imagenet"
	"github.com/inbrowser-ai/resnet/tools/convert/net"
	"github.com/inbrowser-ai/resnet/tools/convert/onnx"
	"github.com/inbrowser-ai/resnet/tools/convert/pth"
	"github.com/inbrowser-ai/resnet/tools/convert/tfjs"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "convert:", err)
		os.Exit(1)
	}
}

func run(args []string, log io.Writer) error {
	fs := flag.NewFlagSet("convert", flag.ContinueOnError)
	fs.SetOutput(log)
	in := fs.String("in", "", "source checkpoint: model.json (TF.js layers), .pth (PyTorch) or .onnx")
	out := fs.String("out", "", "model file to write")
	quant := fs.String("quant", "int8", "weight storage: int8 (per-channel symmetric) or f32")
	name := fs.String("name", "", "model name recorded in the file (default: from the source)")
	labels := fs.String("labels", "", "class names: a text file (one per line) or a JSON list/object; default: ImageNet-1k")
	calibDir := fs.String("calib", "", "int8: a directory of photos to calibrate activation ranges on (default: the built-in set)")
	explainErr := fs.Bool("report", false, "int8: print each layer's share of the logit error (one layer quantised at a time against f32)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *in == "" || *out == "" || fs.NArg() != 0 {
		fs.Usage()
		return fmt.Errorf("need -in and -out")
	}
	q := modelfile.Quant(*quant)
	if q != modelfile.Int8 && q != modelfile.F32 {
		return fmt.Errorf("-quant %q: want int8 or f32", *quant)
	}

	format, n, err := read(*in)
	if err != nil {
		return err
	}
	if *name != "" {
		n.Name = *name
	}
	if err := setLabels(n, *labels); err != nil {
		return err
	}
	sum, err := fileSHA256(*in)
	if err != nil {
		return err
	}
	b, err := encode.EncodeWith(n, q, modelfile.Source{Format: format, File: filepath.Base(*in), SHA256: sum}, encode.Options{CalibDir: *calibDir})
	if err != nil {
		return err
	}
	if err := writeAtomic(*out, b); err != nil {
		return err
	}
	if *explainErr {
		if err := explain(log, n, modelfile.Source{Format: format, File: filepath.Base(*in), SHA256: sum}, b, *calibDir); err != nil {
			return err
		}
	}
	depth, _ := n.Depth()
	fmt.Fprintf(log, "convert: %s: ResNet-%d (%s, stride %s), %d classes, %s, %d bytes\n",
		*out, depth, n.Block, n.Stride, n.FC.Out, q, len(b))
	return nil
}

// read picks the reader by the file's content where it can, by its name
// otherwise.
func read(path string) (string, *net.Network, error) {
	head := make([]byte, 64)
	f, err := os.Open(path)
	if err != nil {
		return "", nil, err
	}
	k, _ := io.ReadFull(f, head)
	f.Close()
	head = head[:k]
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")) || strings.HasSuffix(path, ".pth") || strings.HasSuffix(path, ".pt"):
		n, err := pth.Read(path)
		return "pytorch", n, err
	case strings.HasSuffix(path, ".onnx"):
		n, err := onnx.Read(path)
		return "onnx", n, err
	case strings.HasSuffix(path, ".json") || bytes.HasPrefix(bytes.TrimSpace(head), []byte("{")):
		n, err := tfjs.Read(path)
		return "tfjs-layers", n, err
	}
	return "", nil, fmt.Errorf("%s: not a TF.js model.json, a PyTorch .pth or an ONNX file", path)
}

func setLabels(n *net.Network, file string) error {
	switch {
	case file != "":
		if strings.HasSuffix(file, ".json") {
			l, err := tfjs.ReadLabels(file)
			if err != nil {
				return err
			}
			n.Labels = l
			break
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		n.Labels = strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	case n.Labels == nil && n.FC.Out == 1000:
		n.Labels = imagenet.Labels()
	case n.Labels == nil:
		return fmt.Errorf("the source has %d classes and no labels: pass -labels FILE", n.FC.Out)
	}
	if len(n.Labels) != n.FC.Out {
		return fmt.Errorf("%d labels for %d classes", len(n.Labels), n.FC.Out)
	}
	return nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// writeAtomic never leaves a half-written model where a server would pick
// it up.
func writeAtomic(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".convert-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil { // CreateTemp makes it 0600
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
