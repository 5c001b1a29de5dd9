package mockserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
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
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	issuer := codeIssuer{client: client, url: base.String() + testPrefix + "codes", secretKey: secretKey}
	first, status, err := issuer.issue(ctx)
	if status == http.StatusNotFound || status == http.StatusMethodNotAllowed {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var mu sync.Mutex
	return func(ctx context.Context) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		if first != "" {
			c := first
			first = ""
			return c, nil
		}
		c, _, err := issuer.issue(ctx)
		return c, err
	}, nil
}

// codeIssuer asks one server for codes.
type codeIssuer struct {
	client         *http.Client
	url, secretKey string
}

// issue is one POST /_mock/codes: the code and the status. Its errors never hold the key.
func (c codeIssuer) issue(ctx context.Context) (string, int, error) {
	const endpoint = "POST " + testPrefix + "codes: "
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, strings.NewReader("{}"))
	if err != nil {
		return "", 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.secretKey)
	resp, err := c.client.Do(req)
	if err != nil {
		return "", 0, errors.New(endpoint + secretkey.Redact(err.Error(), c.secretKey))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return "", resp.StatusCode, fmt.Errorf("%sstatus %d", endpoint, resp.StatusCode)
	}
	var body codeResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&body); err != nil || body.Code == "" {
		return "", resp.StatusCode, errors.New(endpoint + "201 without a code")
	}
	return body.Code, resp.StatusCode, nil
}
