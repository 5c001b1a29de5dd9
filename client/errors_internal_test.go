package client

import (
	"strings"
	"testing"
)

func TestAPIErrorMessageIsPrintable(t *testing.T) {
	t.Parallel()
	e := &APIError{StatusCode: 422, Code: 422, Message: "CODE\x1b[31m_EXPIRED\nX-Injected: 1" + strings.Repeat("y", 1000)}
	got := e.Error()
	if strings.ContainsAny(got, "\x1b\n") {
		t.Errorf("Error() holds control characters: %q", got)
	}
	if len(got) > 600*3 {
		t.Errorf("Error() is %d bytes long; the message should be cut", len(got))
	}
}
