// Package wiretap records what an HTTP client sends and gets, for the hubmessage command's
// demos, which show a person the calls their code makes: `hubmessage demo` prints each
// exchange, the web demo shows the backend's calls to the API on its page.
package wiretap

import (
	"bytes"
	"io"
	"net/http"

	"github.com/hubmessage/hubmessage-go/client"
)

// Exchange is one request and its answer, as they crossed the wire.
type Exchange struct {
	Request      *http.Request
	RequestBody  []byte
	Response     *http.Response // nil when Err is set
	ResponseBody []byte         // at most client.MaxBodySize+1 bytes: as much as the client reads
	Err          error
}

// Transport is an http.RoundTripper that sends through Base and hands each exchange to
// Record, which must be safe for concurrent use. The caller's request is not modified.
type Transport struct {
	Base   http.RoundTripper
	Record func(Exchange)
}

// RoundTrip sends req through t.Base and records the exchange.
func (t Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ex := Exchange{Request: req}
	if req.Body != nil && req.Body != http.NoBody {
		body, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		ex.RequestBody, ex.Request = body, req.Clone(req.Context())
		ex.Request.Body = io.NopCloser(bytes.NewReader(body))
	}
	resp, err := t.Base.RoundTrip(ex.Request)
	if err == nil {
		ex.ResponseBody, err = io.ReadAll(io.LimitReader(resp.Body, client.MaxBodySize+1))
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(ex.ResponseBody))
	}
	if ex.Err = err; err != nil {
		resp = nil
	}
	ex.Response = resp
	t.Record(ex)
	return resp, err
}
