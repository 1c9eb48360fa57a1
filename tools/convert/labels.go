package main

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/inbrowser-ai/resnet/tools/convert/regularfile"
)

// maxLabelsBytes bounds a labels file: ImageNet-21k's names take 0.5 MB.
const maxLabelsBytes = 16 << 20

// readLabelsText reads a labels file of one name per line.
func readLabelsText(file string) ([]string, error) {
	b, err := regularfile.ReadPath(file, maxLabelsBytes)
	if err != nil {
		return nil, err
	}
	l, err := parseLabelsText(b)
	if err != nil {
		return nil, fmt.Errorf("-labels %s: %w", file, err)
	}
	return l, nil
}

// parseLabelsText splits a labels file into names, as editors on any system
// write it: a UTF-8 byte order mark is dropped, lines may end in \n or \r\n,
// and blank lines at the end are ignored. A blank line among the names or a
// control character in one is refused: either would shift or garble what
// the page and the command line show.
func parseLabelsText(b []byte) ([]string, error) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(b) {
		return nil, fmt.Errorf("not UTF-8 text")
	}
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("no labels")
	}
	for i, l := range lines {
		if strings.TrimSpace(l) == "" {
			return nil, fmt.Errorf("line %d is blank", i+1)
		}
		if j := strings.IndexFunc(l, unicode.IsControl); j >= 0 {
			return nil, fmt.Errorf("line %d has the control character %U", i+1, []rune(l[j:])[0])
		}
	}
	return lines, nil
}
