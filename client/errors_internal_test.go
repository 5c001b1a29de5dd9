package client

import (
	"bytes"
	"errors"
	"io"
	"net/http"
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

// FuzzCheckResponse: any status, content type and body yields nil only for a 2xx that says
// "success": true, and otherwise an *APIError with that status, never a panic.
func FuzzCheckResponse(f *testing.F) {
	f.Add(200, "application/json", []byte(`{"success":true}`))
	f.Add(200, "application/json; charset=utf-8", []byte(`{"success":false}`))
	f.Add(422, "application/json", []byte(`{"error":422,"message":"CODE_EXPIRED"}`))
	f.Add(502, "text/html", []byte(`<html>Bad Gateway</html>`))
	f.Add(500, "application/problem+json", []byte(`{"error":"x"}`))
	f.Add(401, "", []byte(nil))
	f.Add(307, "application/json", []byte(`{"error":307,"message":"moved"}`))
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		if status < 100 || status > 999 {
			return
		}
		resp := &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {contentType}}, Body: io.NopCloser(bytes.NewReader(body))}
		err := checkResponse(resp)
		if err == nil {
			if status < 200 || status > 299 || !bytes.Contains(body, []byte("true")) {
				t.Fatalf("status %d body %q accepted as success", status, body)
			}
			return
		}
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != status {
			t.Fatalf("status %d: error %v is not an *APIError with that status", status, err)
		}
		if !bytes.Equal(apiErr.Body, body) {
			t.Fatalf("Body %q, want the raw body %q", apiErr.Body, body)
		}
		_ = apiErr.Error()
	})
}
