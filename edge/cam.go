package main

import (
	"fmt"
	"net/http"
	"strconv"
)

// camParam reads ?cam=: absent, 0/false or 1/true (strconv.ParseBool);
// anything else is the client's mistake, said so rather than ignored.
func camParam(r *http.Request) (bool, error) {
	s := r.URL.Query().Get("cam")
	if s == "" {
		return false, nil
	}
	on, err := strconv.ParseBool(s)
	if err != nil {
		return false, fmt.Errorf("cam must be 1 or 0, got %q", s)
	}
	return on, nil
}
