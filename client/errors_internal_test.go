package client

import (
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/hubmessage/hubmessage-go/openapi"
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

// TestEveryDocumented422HasASentinel: every 422 message the spec gives as an example, for any
// operation, has its sentinel in rejections, and every sentinel's message is one the spec
// documents (a renamed message leaves no dead entry behind).
func TestEveryDocumented422HasASentinel(t *testing.T) {
	t.Parallel()
	doc, err := openapi.Spec()
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			resp := op.Responses.Status(http.StatusUnprocessableEntity)
			if resp == nil || resp.Value == nil {
				continue
			}
			media := resp.Value.Content.Get("application/json")
			if media == nil || len(media.Examples) == 0 {
				t.Errorf("%s %s: 422 without examples; each documented message needs one", method, path)
				continue
			}
			for name, ex := range media.Examples {
				body, _ := ex.Value.Value.(map[string]any)
				message, ok := body["message"].(string)
				if !ok {
					t.Errorf("%s %s: 422 example %s has no string message", method, path, name)
					continue
				}
				documented[message] = true
				if rejections[message] == nil {
					t.Errorf("%s %s: 422 message %q (example %s) has no sentinel", method, path, message, name)
				}
			}
		}
	}
	if len(documented) == 0 {
		t.Fatal("the spec documents no 422 message; is this the right spec?")
	}
	for message := range rejections {
		if !documented[message] {
			t.Errorf("sentinel for %q, which no operation of the spec documents", message)
		}
	}
}

// TestRejectionMatchesItsSentinelOnly: a 422 with a documented message matches its own
// sentinel and ErrRejected, and no other message's sentinel.
func TestRejectionMatchesItsSentinelOnly(t *testing.T) {
	t.Parallel()
	for message, want := range rejections {
		e := &APIError{StatusCode: http.StatusUnprocessableEntity, Code: 422, Message: message}
		for other, sentinel := range rejections {
			if got := errors.Is(e, sentinel); got != (sentinel == want) {
				t.Errorf("422 %q: errors.Is(_, sentinel of %q) = %t", message, other, got)
			}
		}
		if !errors.Is(e, ErrRejected) {
			t.Errorf("422 %q does not match ErrRejected", message)
		}
		if e404 := (&APIError{StatusCode: http.StatusNotFound, Message: message}); errors.Is(e404, want) {
			t.Errorf("a 404 with message %q matches its 422 sentinel", message)
		}
	}
}

// TestDocListsEvery422Message: the package documentation's table of 422 sentinels names every
// message that has one.
func TestDocListsEvery422Message(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	for message := range rejections {
		if !strings.Contains(string(doc), message) {
			t.Errorf("doc.go does not list the 422 message %q", message)
		}
	}
}
