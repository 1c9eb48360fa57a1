package main

import (
	"errors"
	"net/http"

	"github.com/inbrowser-ai/resnet/engine/preprocess"
)

// statusOf maps an error from ClassifyImage to the status the worker
// promises (edge/README.md): 415 for bytes that are not an image format we decode, 422 for
// an image we recognise but cannot use (truncated, corrupt, or over the
// pixel limit, which is what stops decompression bombs).
func statusOf(err error) int {
	switch {
	case errors.Is(err, preprocess.ErrEmpty), errors.Is(err, preprocess.ErrFormat):
		return http.StatusUnsupportedMediaType
	case errors.Is(err, preprocess.ErrTooLarge), errors.Is(err, preprocess.ErrCorrupt):
		return http.StatusUnprocessableEntity
	}
	return http.StatusInternalServerError
}
