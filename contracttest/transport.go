package contracttest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"slices"
)

// Transport returns an http.RoundTripper that checks every exchange going through base
// (http.DefaultTransport if nil): the request before it is sent (a copy with the same body
// bytes), the response after it arrives. Violations fail tb when it is not nil and go to
// [OnViolation] when given; one of the two is required. The response body is buffered up to
// [WithMaxBody]'s limit and handed on unread; a longer one streams on unvalidated, reported.
func Transport(tb TB, base http.RoundTripper, opts ...CheckOption) http.RoundTripper {
	if tb != nil {
		tb.Helper()
		opts = append(slices.Clip(opts), WithTB(tb))
	}
	c, err := newCheckConfig(opts)
	switch {
	case err != nil && tb != nil:
		tb.Fatalf("contracttest.Transport: %v", err)
		return nil
	case err != nil:
		panic("contracttest.Transport: " + err.Error())
	case c.tb == nil && c.onViolation == nil:
		panic("contracttest.Transport: needs a TB or an OnViolation option")
	}
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{base: base, cfg: c}
}

type transport struct {
	base http.RoundTripper
	cfg  *checkConfig
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		var err error
		body, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("contracttest: read request body: %w", err)
		}
	}
	route, err := t.cfg.validator.FindRoute(req)
	if err == nil {
		_, err = t.cfg.validator.checkRequest(route, req, body) // req is left as it is
	}
	t.cfg.report(asViolations(err, Request, req.Method+" "+req.URL.Path))

	send := req.Clone(req.Context())
	if body != nil {
		send.Body = io.NopCloser(bytes.NewReader(body))
		send.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	resp, err := t.base.RoundTrip(send)
	if err != nil {
		return nil, err
	}
	if route == nil {
		return resp, nil
	}
	op := route.OperationID()
	t.cfg.coverage.Record(op, resp.StatusCode)
	respBody, complete, err := bufferBody(resp.Body, t.cfg.maxBody)
	switch {
	case err != nil:
		resp.Body = readCloser{io.MultiReader(bytes.NewReader(respBody), errReader{err}), resp.Body}
		return resp, nil
	case !complete:
		resp.Body = readCloser{io.MultiReader(bytes.NewReader(respBody), resp.Body), resp.Body}
		t.cfg.report(tooLong(op, t.cfg.maxBody))
		return resp, nil
	}
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(respBody))
	err = t.cfg.validator.ValidateResponseFor(route, req, resp.StatusCode, resp.Header, respBody)
	t.cfg.report(asViolations(err, Response, op))
	return resp, nil
}

// bufferBody reads up to limit bytes of body; complete is false when there is more.
func bufferBody(body io.Reader, limit int64) (data []byte, complete bool, err error) {
	if body == nil {
		return nil, true, nil
	}
	data, err = io.ReadAll(io.LimitReader(body, limit+1))
	if int64(len(data)) > limit {
		return data, false, err
	}
	return data, true, err
}

func tooLong(op string, limit int64) Violations {
	return Violations{{Side: Response, Operation: op, Location: "body",
		Reason: fmt.Sprintf("not validated: longer than the %d-byte limit", limit)}}
}

type readCloser struct {
	io.Reader
	io.Closer
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
