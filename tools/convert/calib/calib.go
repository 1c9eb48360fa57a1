// Package calib holds the converter's own calibration photos: what an int8
// model's bias correction is measured on when the user gives none
// (convert -calib DIR). They are built into the converter, so converting a
// checkpoint needs no download, and they are not the photos the int8 model
// is evaluated on (testdata/agreement, testdata/photos). SOURCES.md names
// each one's package, path and licence.
package calib

import (
	"embed"
	"io/fs"
	"sort"
)

//go:embed photos/*.png
var photos embed.FS

// Photos returns the calibration photos' bytes, in name order.
func Photos() [][]byte {
	names, err := fs.Glob(photos, "photos/*.png")
	if err != nil {
		panic(err) // the pattern is constant
	}
	sort.Strings(names)
	out := make([][]byte, len(names))
	for i, n := range names {
		b, err := photos.ReadFile(n)
		if err != nil {
			panic(err) // embedded at build time
		}
		out[i] = b
	}
	return out
}
