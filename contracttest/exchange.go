package contracttest

import (
	"errors"
	"net/http"
)

// ValidateExchange checks one request/response pair held in memory: the route, the request
// with reqBody as its body (r.Body is not read), and the response. It reports the problems of
// both sides together. Plain valid exchanges are judged without decoding either body.
func (v *Validator) ValidateExchange(r *http.Request, reqBody []byte, status int, header http.Header, respBody []byte) error {
	route, err := v.FindRoute(r)
	if err != nil {
		return err
	}
	if f := route.fast; f != nil && v.authorized(r) && f.validRequest(r, reqBody) &&
		r.Method != http.MethodHead && f.validResponse(status, header, respBody) {
		return nil
	}
	reqErr := v.validateRequest(route, r, reqBody)
	respErr := v.ValidateResponseFor(route, r, status, header, respBody)
	var all Violations
	for _, e := range []error{reqErr, respErr} {
		var vs Violations
		if errors.As(e, &vs) {
			all = append(all, vs...)
		}
	}
	if len(all) == 0 {
		return nil
	}
	return all
}
