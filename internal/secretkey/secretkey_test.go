package secretkey

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	const key = "sk_live_0123456789abcdef"
	for _, tc := range []struct {
		name, key, wantErr string
	}{
		{"well formed", key, ""},
		{"empty", "", "must not be empty"},
		{"bearer prefix", "Bearer " + key, `without the "Bearer " prefix`},
		{"space", key + " x", "whitespace (byte 24)"},
		{"newline", key + "\n", "whitespace (byte 24)"},
		{"control", key + "\x00", "printable ASCII (byte 24)"},
		{"non-ASCII", key + "é", "printable ASCII (byte 24)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Check(tc.key)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("Check: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("Check: error %v, want one containing %q", err, tc.wantErr)
			case err != nil && strings.Contains(err.Error(), key):
				t.Fatalf("Check: error %q repeats the key", err)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	if got := Redact("a KEY b KEY", "KEY"); got != "a [REDACTED] b [REDACTED]" {
		t.Errorf("Redact = %q", got)
	}
	if got := Redact("unchanged", ""); got != "unchanged" {
		t.Errorf("Redact with no key = %q", got)
	}
	for h, want := range map[string]string{"": "(none)", "Bearer sk_1": "Bearer [REDACTED]", "sk_1": "(malformed, redacted)"} {
		if got := RedactAuthorization(h); got != want {
			t.Errorf("RedactAuthorization(%q) = %q, want %q", h, got, want)
		}
	}
}
