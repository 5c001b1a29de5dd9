// Package secretkey holds what every part of the kit knows about the Secret Key: where the
// command line reads it from, what a well-formed key looks like, and how to keep it out of
// text. Errors never repeat the key.
package secretkey

import (
	"errors"
	"fmt"
	"strings"
)

// EnvVar is the environment variable the command line and the examples read the key from.
const EnvVar = "HUBMESSAGE_SECRET_KEY"

// Redacted replaces the key wherever it would have been shown.
const Redacted = "[REDACTED]"

// Check reports whether key can be sent as `Authorization: Bearer <key>`: non-empty printable
// ASCII without spaces, and without a "Bearer " prefix of its own. The error names the byte
// offset of the problem, never the key.
func Check(key string) error {
	switch {
	case key == "":
		return errors.New("must not be empty")
	case strings.HasPrefix(strings.ToLower(key), "bearer "):
		return errors.New(`pass the key alone, without the "Bearer " prefix`)
	}
	for i := 0; i < len(key); i++ {
		switch c := key[i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f':
			return fmt.Errorf("must not contain whitespace (byte %d)", i)
		case c < ' ' || c > '~':
			return fmt.Errorf("must hold only printable ASCII (byte %d)", i)
		}
	}
	return nil
}

// Redact returns s with every occurrence of key replaced by [Redacted]. An empty key
// changes nothing.
func Redact(s, key string) string {
	if key == "" {
		return s
	}
	return strings.ReplaceAll(s, key, Redacted)
}

// RedactAuthorization shows an Authorization header's scheme, never its credential.
func RedactAuthorization(h string) string {
	scheme, credential, _ := strings.Cut(h, " ")
	switch {
	case h == "":
		return "(none)"
	case credential == "":
		return "(malformed, redacted)"
	}
	return scheme + " " + Redacted
}
