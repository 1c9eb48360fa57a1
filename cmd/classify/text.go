package main

import (
	"strconv"
	"unicode"
	"unicode/utf8"
)

// display makes a file name, label or message safe to print to a
// terminal: unchanged when every rune is graphic, else quoted with Go's
// escapes, so that an escape sequence in a name (or a label of a hostile
// model) shows as \x1b[…, a bidi override as \u202e, and invalid UTF-8 as
// \xff, instead of acting on the terminal. JSON output is escaped already.
func display(s string) string {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return strconv.QuoteToGraphic(s)
			}
		}
		if !unicode.IsGraphic(r) {
			return strconv.QuoteToGraphic(s)
		}
	}
	return s
}
