// Package printable makes text a server chose safe to show in a log line or a terminal.
package printable

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxLen is how many bytes of the text String keeps before cutting it with "…".
const MaxLen = 512

// String returns s with control characters and invalid UTF-8 replaced by U+FFFD, cut after
// MaxLen bytes, so a server's message cannot drive a terminal or flood a log.
func String(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i >= MaxLen {
			b.WriteString("…")
			break
		}
		if unicode.IsControl(r) {
			r = utf8.RuneError
		}
		b.WriteRune(r)
	}
	return b.String()
}
