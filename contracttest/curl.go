package contracttest

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hubmessage/hubmessage-go/internal/secretkey"
)

// Curl returns a POSIX shell command that sends q again to the server at baseURL: curl with the
// same method, path, headers and body, printing the response with its headers. The Secret Key
// is written as "$HUBMESSAGE_SECRET_KEY", for the shell to expand, never as its value. Every
// argument is single-quoted; a body that is not printable text (control characters, a
// newline, invalid UTF-8) is piped in by printf with octal escapes, so the command is safe to
// print on a terminal and sends exactly the same bytes.
func (q *SentRequest) Curl(baseURL string) string {
	args := []string{"curl", "-sS", "-i", "-g", "--path-as-is"} // -g, --path-as-is: send the path as it is
	if q.Method == http.MethodHead {
		args = append(args, "--head") // -X HEAD would wait for a body
	} else {
		args = append(args, "-X", shellArg(q.Method))
	}
	args = append(args, shellArg(strings.TrimSuffix(baseURL, "/")+q.Path))
	for _, k := range slices.Sorted(maps.Keys(q.Header)) {
		for _, v := range q.Header[k] {
			args = append(args, "-H", shellArg(k+": "+v))
		}
	}
	if q.UseSecretKey {
		args = append(args, "-H", `'Authorization: Bearer '"$`+secretkey.EnvVar+`"`)
	}
	prefix := ""
	if q.Body != "" {
		if q.Header.Get("Content-Type") == "" {
			args = append(args, "-H", shellArg("Content-Type:")) // curl would add a form type
		}
		if printableText(q.Body) {
			args = append(args, "--data-binary", shellArg(q.Body))
		} else {
			prefix = "printf " + shellArg(printfEscape(q.Body)) + " | "
			args = append(args, "--data-binary", "@-")
		}
	}
	return prefix + strings.Join(args, " ")
}

// shellArg single-quotes s for a POSIX shell; text that is not printable becomes "$(printf
// '…')" with octal escapes (never a body, so no trailing newline is lost to the substitution).
func shellArg(s string) string {
	if !printableText(s) {
		return `"$(printf ` + shellArg(printfEscape(s)) + `)"`
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// printableText reports whether s is valid UTF-8 with only printable characters and spaces.
func printableText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return r != ' ' && !unicode.IsPrint(r) })
}

// printfEscape makes s a printf format that prints s: printable ASCII as it is (% and \
// doubled), every other byte as a three-digit octal escape.
func printfEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '%':
			b.WriteString("%%")
		case c == '\\':
			b.WriteString(`\\`)
		case c >= 0x20 && c < 0x7f:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "\\%03o", c)
		}
	}
	return b.String()
}
