package client

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"
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
	f.Add(201, "application/json; charset=utf-8", []byte("\n{\"success\":true}\r\n"))
	f.Add(200, "application/json", []byte("\v{\"success\":true}"))
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		if status < 100 || status > 999 {
			return
		}
		resp := &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {contentType}}, Body: io.NopCloser(bytes.NewReader(body))}
		err := checkResponse(resp)
		if len(body) <= MaxBodySize {
			slow := responseError(&http.Response{StatusCode: status, Header: resp.Header}, body, nil)
			if (err == nil) != (slow == nil) {
				t.Fatalf("status %d %q body %q: checkResponse says %v, the full check %v", status, contentType, body, err, slow)
			}
		}
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

// TestSuccessFastPath holds the byte-for-byte check of the API's success answer to the full
// check: every body and content type it accepts, the full check accepts too, and the ones
// near it that JSON or the content type rule out stay refused.
func TestSuccessFastPath(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		status      int
		contentType string
		body        string
		want        bool
	}{
		{name: "the API's answer", status: 200, contentType: "application/json", body: `{"success":true}`, want: true},
		{name: "charset", status: 200, contentType: "application/json; charset=utf-8", body: `{"success":true}`, want: true},
		{name: "JSON whitespace around", status: 201, contentType: "application/json", body: " \t{\"success\":true}\r\n", want: true},
		{name: "vertical tab is not JSON whitespace", status: 200, contentType: "application/json", body: "\v{\"success\":true}"},
		{name: "NEL is not JSON whitespace", status: 200, contentType: "application/json", body: "{\"success\":true}\u0085"},
		{name: "not JSON content type", status: 200, contentType: "text/plain", body: `{"success":true}`},
		{name: "no content type", status: 200, body: `{"success":true}`},
		{name: "bad content type parameter", status: 200, contentType: "application/json; charset", body: `{"success":true}`},
		{name: "not 2xx", status: 300, contentType: "application/json", body: `{"success":true}`},
		{name: "error status", status: 500, contentType: "application/json", body: `{"success":true}`},
		{name: "false", status: 200, contentType: "application/json", body: `{"success":false}`},
		{name: "key in other case", status: 200, contentType: "application/json", body: `{"SUCCESS":true}`},
		{name: "trailing data", status: 200, contentType: "application/json", body: `{"success":true}{}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			header := http.Header{}
			if tc.contentType != "" {
				header.Set("Content-Type", tc.contentType)
			}
			resp := &http.Response{StatusCode: tc.status, Header: header}
			if got := isSuccess(resp, []byte(tc.body)); got != tc.want {
				t.Errorf("isSuccess = %t, want %t", got, tc.want)
			}
			full := responseError(resp, []byte(tc.body), nil)
			if tc.want && full != nil {
				t.Errorf("the fast path accepts what the full check refuses: %v", full)
			}
			resp.Body = io.NopCloser(strings.NewReader(tc.body))
			if got := checkResponse(resp); (got == nil) != (full == nil) {
				t.Errorf("checkResponse = %v, the full check %v", got, full)
			}
		})
	}
}

// TestReadBody: readBody reads like io.ReadAll up to MaxBodySize+1 bytes, whatever the
// reader's chunking, and reports read errors.
func TestReadBody(t *testing.T) {
	t.Parallel()
	small := strings.Repeat("x", 700) // more than the pool's initial 512 bytes
	huge := strings.Repeat("y", MaxBodySize+10)
	cases := []struct {
		name    string
		r       io.Reader
		want    string
		wantErr error
	}{
		{name: "empty", r: strings.NewReader(""), want: ""},
		{name: "small", r: strings.NewReader(small), want: small},
		{name: "one byte at a time", r: iotest.OneByteReader(strings.NewReader(small)), want: small},
		{name: "data with EOF", r: iotest.DataErrReader(strings.NewReader(small)), want: small},
		{name: "exactly the cap", r: strings.NewReader(huge[:MaxBodySize]), want: huge[:MaxBodySize]},
		{name: "over the cap stops one byte after it", r: strings.NewReader(huge), want: huge[:MaxBodySize+1]},
		{name: "read error", r: io.MultiReader(strings.NewReader("ab"), iotest.ErrReader(io.ErrUnexpectedEOF)), want: "ab", wantErr: io.ErrUnexpectedEOF},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := readBody(tc.r, make([]byte, 0, 512))
			if !errors.Is(err, tc.wantErr) || (err == nil) != (tc.wantErr == nil) {
				t.Errorf("error %v, want %v", err, tc.wantErr)
			}
			if string(got) != tc.want {
				t.Errorf("read %d bytes, want %d", len(got), len(tc.want))
			}
		})
	}
}
