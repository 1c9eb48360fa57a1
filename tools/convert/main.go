// Command convert turns a ResNet checkpoint into the project's model file.
//
//	convert -in SOURCE -out FILE [-quant int8|f32] [-wide auto|none|LAYER,…] [-calib DIR|none]
//	        [-report DIR] [-name NAME] [-labels FILE] [-force]
//
// SOURCE is a TF.js layers model.json (weight shards beside it), a PyTorch
// .pth state dict of a torchvision ResNet, or an ONNX file of a ResNet. The
// depth, block kind and stride placement are read from the source; anything
// that is not an ImageNet ResNet-18/34/50/101/152 is refused. The format is
// told by the content, not the name. The same input always gives the same
// bytes. -out is never one of the inputs nor anything but a regular file,
// and an existing file is replaced only with -force. -wide names the layers
// an int8 model keeps at 16-bit weights (auto: encode.DefaultWide); -calib
// the photos an int8 model's rounding and bias correction are fitted to
// (default: the converter's own, package calib, so no download is needed;
// calibrate.go); -report prints, for the photos in DIR, how much each layer's quantisation adds to
// the logits' error (report.go).
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/tools/convert/calib"
	"github.com/inbrowser-ai/resnet/tools/convert/encode"
	"github.com/inbrowser-ai/resnet/tools/convert/imagenet"
	"github.com/inbrowser-ai/resnet/tools/convert/net"
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
	force := fs.Bool("force", false, "replace -out if it exists (never an input, nor anything but a regular file)")
	wideFlag := fs.String("wide", "auto", "int8 layers kept at 16-bit weights: auto (the stem, the first two stages, the classifier), none, or a comma-separated list of layer names (fc: the classifier)")
	calib := fs.String("calib", "", "photos the int8 rounding and bias correction are fitted to (default: the converter's own; none: no calibration)")
	report := fs.String("report", "", "print each layer's share of the int8 logit error, measured on the photos in this directory")
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
	if err := checkOutput(*out, *force, *in, *labels); err != nil {
		return err
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
	wide, err := wideLayers(n, *wideFlag)
	if err != nil {
		return err
	}
	opt, err := options(n, q, wide, *calib)
	if err != nil {
		return err
	}
	b, err := encode.EncodeOptions(n, q, modelfile.Source{Format: format, File: filepath.Base(*in), SHA256: sum}, opt)
	if err != nil {
		return err
	}
	if err := writeOutput(*out, b, *force, *in, *labels); err != nil {
		return err
	}
	depth, _ := n.Depth()
	fmt.Fprintf(log, "convert: %s: ResNet-%d (%s, stride %s), %d classes, %s, %d bytes\n",
		*out, depth, n.Block, n.Stride, n.FC.Out, q, len(b))
	if *report != "" {
		return printReport(log, n, opt, *report)
	}
	return nil
}

// options are the encoding's choices from the flags: the wide layers and,
// for int8, the calibration (calib: a directory of photos, "" for the
// converter's own, calib.Photos, "none" for none).
func options(n *net.Network, q modelfile.Quant, wide encode.Wide, dir string) (encode.Options, error) {
	opt := encode.Options{Wide: wide}
	if q != modelfile.Int8 || dir == "none" {
		return opt, nil
	}
	photos := calib.Photos()
	if dir != "" {
		var err error
		if photos, err = readPhotos(dir); err != nil {
			return opt, fmt.Errorf("-calib: %w", err)
		}
	}
	var err error
	if opt.Inputs, err = inputStats(n, photos, wide); err != nil {
		return opt, fmt.Errorf("-calib: %w", err)
	}
	return opt, nil
}

// wideLayers parses -wide.
func wideLayers(n *net.Network, flagValue string) (encode.Wide, error) {
	switch flagValue {
	case "auto":
		return encode.DefaultWide(n), nil
	case "none", "":
		return encode.Wide{}, nil
	}
	names := map[string]bool{"fc": true}
	for _, c := range n.Convs() {
		names[c.Name] = true
	}
	w := encode.Wide{}
	for _, name := range strings.Split(flagValue, ",") {
		if !names[name] {
			return nil, fmt.Errorf("-wide: the network has no layer %q (names as in the model file: conv1, layer1.0.conv1, …, fc)", name)
		}
		w[name] = true
	}
	return w, nil
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
		l, err := readLabelsText(file)
		if err != nil {
			return err
		}
		n.Labels = l
	case n.Labels == nil && n.FC.Out == 1000:
		n.Labels = imagenet.Labels()
	case n.Labels == nil:
		return fmt.Errorf("the source has %d classes and no labels: pass -labels FILE", n.FC.Out)
	}
	if len(n.Labels) != n.FC.Out && file != "" {
		return fmt.Errorf("-labels %s has %d labels, the model %d classes", file, len(n.Labels), n.FC.Out)
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
