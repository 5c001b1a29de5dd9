package contracttest

import (
	"errors"
	"net/http"
)

// ValidateExchange checks one request/response pair held in memory: the route, the request
// with reqBody as its body (r.Body is not read), and the response. It reports the problems of
// both sides together.
func (v *Validator) ValidateExchange(r *http.Request, reqBody []byte, status int, header http.Header, respBody []byte) error {
	route, err := v.FindRoute(r)
	if err != nil {
		return err
	}
	_, reqErr := v.checkRequest(route, r, reqBody)
	respErr := v.ValidateResponseFor(route, r, status, header, respBody)
	if reqErr == nil && respErr == nil {
		return nil
	}
	var all Violations
	for _, e := range []error{reqErr, respErr} {
		var vs Violations
		if errors.As(e, &vs) {
			all = append(all, vs...)
		}
	}
	return all
}
