package mockserver

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/hubmessage/hubmessage-go/contracttest"
	"github.com/hubmessage/hubmessage-go/internal/secretkey"
)

// ProbeCodes asks the server at baseURL for a code at POST /_mock/codes, the reference
// server's test endpoint, for a stateful [contracttest.Verify]. When it answers 201
// {"code": …} the result issues a fresh code per call (the first call returns the probe's
// code); when it answers 404 or 405 the server has no such endpoint and the result is nil,
// with no error. Anything else is an error. The result is safe for concurrent use.
func ProbeCodes(ctx context.Context, client *http.Client, baseURL, secretKey string) (contracttest.CodeSource, error) {
	base, err := contracttest.ParseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	c := *cmp.Or(client, &http.Client{Timeout: 30 * time.Second})
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse } // the key goes nowhere else
	const endpoint = "POST " + testPrefix + "codes: "
	issue := func(ctx context.Context) (string, int, error) { // its errors never hold the key
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base.String()+testPrefix+"codes", strings.NewReader("{}"))
		if err != nil {
			return "", 0, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+secretKey)
		resp, err := c.Do(req)
		if err != nil {
			return "", 0, errors.New(endpoint + secretkey.Redact(err.Error(), secretKey))
		}
		defer resp.Body.Close()
		var body codeResponse
		switch {
		case resp.StatusCode != http.StatusCreated:
			return "", resp.StatusCode, fmt.Errorf("%sstatus %d", endpoint, resp.StatusCode)
		case json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&body) != nil || body.Code == "":
			return "", resp.StatusCode, errors.New(endpoint + "201 without a code")
		}
		return body.Code, resp.StatusCode, nil
	}
	code, status, err := issue(ctx)
	if status == http.StatusNotFound || status == http.StatusMethodNotAllowed {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	first := make(chan string, 1) // the probe's code, for the first call
	first <- code
	return func(ctx context.Context) (string, error) {
		select {
		case code := <-first:
			return code, nil
		default:
			code, _, err := issue(ctx)
			return code, err
		}
	}, nil
}
