package printable

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestString(t *testing.T) {
	if got := String("a\x1b[2Jb\nc"); got != "a\uFFFD[2Jb\uFFFDc" {
		t.Errorf("control characters: %q", got)
	}
	if got := String("\xff"); got != "\uFFFD" {
		t.Errorf("invalid UTF-8: %q", got)
	}
	long := String(strings.Repeat("x", 2*MaxLen))
	if !strings.HasSuffix(long, "…") || len(long) != MaxLen+len("…") {
		t.Errorf("long text: %d bytes", len(long))
	}
}

func FuzzString(f *testing.F) {
	f.Add("CODE_EXPIRED")
	f.Add("\x00\x7f\u0085")
	f.Fuzz(func(t *testing.T, s string) {
		got := String(s)
		if !utf8.ValidString(got) {
			t.Fatalf("String(%q) = %q: not valid UTF-8", s, got)
		}
		for _, r := range got {
			if r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) {
				t.Fatalf("String(%q) keeps control character %U", s, r)
			}
		}
	})
}
