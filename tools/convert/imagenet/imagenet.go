// Package imagenet holds the standard ImageNet-1k class names, in class-index
// order, for checkpoints that carry no labels of their own (a PyTorch state
// dict, most ONNX files). README.md beside this file records where the list
// comes from and under which licence.
package imagenet

import (
	_ "embed"
	"strings"
)

//go:embed labels.txt
var labelsTxt string

// labels is split once; Labels hands out copies so that no caller can alter
// the list another caller sees.
var labels = strings.Split(strings.TrimSuffix(labelsTxt, "\n"), "\n")

// Classes is the number of ImageNet-1k classes.
const Classes = 1000

// Labels returns a fresh copy of the 1000 class names, index order.
func Labels() []string {
	out := make([]string, len(labels))
	copy(out, labels)
	return out
}
