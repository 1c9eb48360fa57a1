package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxLabelsBytes bounds a labels file: ImageNet-21k's names take 0.5 MB.
const maxLabelsBytes = 16 << 20

// readLabelsText reads a labels file of one name per line.
func readLabelsText(file string) ([]string, error) {
	b, err := readBounded(file, maxLabelsBytes)
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

// readBounded reads a regular file of at most max bytes, checking its size
// before reading and reading no further than max whatever it claims.
func readBounded(file string, max int64) ([]byte, error) {
	// Stat before opening: opening a named pipe waits for a writer.
	if fi, err := os.Stat(file); err != nil {
		return nil, err
	} else if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", file)
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", file)
	}
	if fi.Size() > max {
		return nil, fmt.Errorf("%s has %d bytes, over the limit of %d", file, fi.Size(), max)
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s grew past the limit of %d bytes while being read", file, max)
	}
	return b, nil
}
