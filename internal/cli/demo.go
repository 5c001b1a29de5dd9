package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/hubmessage/hubmessage-go/client"
	"github.com/hubmessage/hubmessage-go/internal/printable"
	"github.com/hubmessage/hubmessage-go/internal/secretkey"
	"github.com/hubmessage/hubmessage-go/mockserver"
)

const demoUsage = `Usage: hubmessage demo

Walks an integration of the Hub Message API end to end with package client, against the
reference server (package mockserver) started in this process on a free loopback port
(127.0.0.1:0) with a generated Secret Key. Nothing leaves the machine; no key or account is
needed. Every call is shown as sent on the wire (the Secret Key as "Bearer ` + secretkey.Redacted + `";
it is never printed) with the API's answer and the typed result your code gets.

The steps, connecting a channel to WhatsApp:
  1. the payload the browser SDK (@hubmessage/connect) hands your backend after Embedded Signup
  2. the call your backend makes: POST /v1/channels/{channelId}/connect
  3. the answer: 200 {"success":true}, the channel is connected
  4. the same code sent again: 422 CODE_ALREADY_USED, a typed *client.APIError that
     matches errors.Is(err, client.ErrCodeAlreadyUsed): a code is single-use
  5. an unknown channel: 404, errors.Is(err, client.ErrChannelNotFound)

The output is the same on every run but for the port. Exit status: 0 when every step
behaves as documented, 1 when one does not (the message names the step), 2 on bad usage.
'make demo' runs it.
`

// demoPayload is the spec's example request, as the browser SDK hands it to a backend.
const demoPayload = `{"wabaId":"428083093730937","phoneId":"123456789012345","code":"ABC123DEF456","coexistence":false}`

// demoUnknownChannel is a well-formed channel id that no seeded channel has.
const demoUnknownChannel = "00000000-0000-4000-8000-000000000000"

// demoFreshCode is the code of step 5, unused so far: the 404 is about the channel alone.
const demoFreshCode = "XYZ789GHI012"

func runDemo(ctx context.Context, args []string, env Env) int {
	fs := flag.NewFlagSet("hubmessage demo", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(env.Stdout, demoUsage)
			return exitOK
		}
		fmt.Fprintf(env.Stderr, "hubmessage demo: %v\nRun 'hubmessage demo --help' for usage.\n", err)
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "hubmessage demo: unexpected argument %q\nRun 'hubmessage demo --help' for usage.\n", fs.Arg(0))
		return exitUsage
	}
	return demo(ctx, env)
}

// demo runs the reference server with opts (tests choose the Secret Key) and walks the flow.
func demo(ctx context.Context, env Env, opts ...mockserver.Option) int {
	s, err := mockserver.New(opts...)
	if err != nil {
		fmt.Fprintf(env.Stderr, "hubmessage demo: %v\n", err)
		return exitFail
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintf(env.Stderr, "hubmessage demo: listening on 127.0.0.1: %v\n", err)
		return exitFail
	}
	baseURL := "http://" + ln.Addr().String()
	serveCtx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- s.Serve(serveCtx, ln) }() // ln already accepts: no wait for readiness

	fmt.Fprintf(env.Stdout, "Reference server (package mockserver) listening on %s, in this process.\n", baseURL)
	fmt.Fprintln(env.Stdout, "Seeded META_WHATSAPP channel "+mockserver.ChannelUUID+"; Secret Key generated, never shown.")
	flowErr := walkDemo(ctx, env.Stdout, baseURL, s.SecretKey())

	stop()
	serveErr := <-served
	switch {
	case flowErr != nil:
		fmt.Fprintf(env.Stderr, "hubmessage demo: FAILED: %v\n", flowErr)
		return exitFail
	case serveErr != nil:
		fmt.Fprintf(env.Stderr, "hubmessage demo: reference server: %v\n", serveErr)
		return exitFail
	}
	fmt.Fprintln(env.Stdout)
	fmt.Fprintln(env.Stdout, "All 5 steps behaved as documented. Reference server stopped.")
	return exitOK
}

// walkDemo runs the five steps against the API at baseURL, printing each to w, and returns
// an error naming the first step that did not behave as documented.
func walkDemo(ctx context.Context, w io.Writer, baseURL, secretKey string) error {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	defer transport.CloseIdleConnections()
	wire := &wireRecorder{base: transport}
	c, err := client.New(secretKey, client.WithBaseURL(baseURL), client.WithHTTPClient(&http.Client{Transport: wire}))
	if err != nil {
		return fmt.Errorf("client.New: %w", err)
	}

	fmt.Fprintln(w)
	fmt.Fprintln(w, "Step 1. After Embedded Signup, the browser SDK (@hubmessage/connect) hands your backend:")
	fmt.Fprintln(w, "  "+demoPayload)
	var req client.ConnectRequest
	if err := json.Unmarshal([]byte(demoPayload), &req); err != nil {
		return fmt.Errorf("step 1: decoding the payload: %w", err)
	}
	fmt.Fprintln(w, "  var req client.ConnectRequest")
	fmt.Fprintln(w, "  err := json.Unmarshal(payload, &req)")

	fmt.Fprintln(w)
	fmt.Fprintln(w, "Step 2. Your backend calls the API with its Secret Key:")
	fmt.Fprintf(w, "  c, err := client.New(secretKey, client.WithBaseURL(%q))\n", baseURL)
	fmt.Fprintf(w, "  res, err := c.ConnectChannel(ctx, %q, req)\n", mockserver.ChannelUUID)
	res, err := c.ConnectChannel(ctx, mockserver.ChannelUUID, req)
	exchanges := wire.take()
	printRequests(w, exchanges)
	if sentErr := checkSent(exchanges, mockserver.ChannelUUID, req); sentErr != nil {
		return fmt.Errorf("step 2: %w", errors.Join(sentErr, err))
	}

	fmt.Fprintln(w)
	fmt.Fprintln(w, "Step 3. The API answers; the channel is connected:")
	printResponses(w, exchanges)
	if err != nil {
		return fmt.Errorf("step 3: want the channel connected, have: %w", err)
	}
	fmt.Fprintf(w, "  res.ChannelID = %s, err = nil\n", res.ChannelID)

	fmt.Fprintln(w)
	fmt.Fprintln(w, "Step 4. The same code sent again is rejected: a code is single-use (and lives ~30 s).")
	fmt.Fprintf(w, "  _, err = c.ConnectChannel(ctx, %q, req)\n", mockserver.ChannelUUID)
	_, err = c.ConnectChannel(ctx, mockserver.ChannelUUID, req)
	exchanges = wire.take()
	printRequests(w, exchanges)
	printResponses(w, exchanges)
	fmt.Fprintln(w, "  var apiErr *client.APIError")
	if err := checkRejection(w, err, http.StatusUnprocessableEntity, "CODE_ALREADY_USED", "ErrCodeAlreadyUsed", client.ErrCodeAlreadyUsed); err != nil {
		return fmt.Errorf("step 4: %w", err)
	}

	fmt.Fprintln(w)
	fmt.Fprintln(w, "Step 5. An unknown channel (with a fresh code) is a typed error too:")
	req.Code = demoFreshCode
	fmt.Fprintf(w, "  req.Code = %q\n", req.Code)
	fmt.Fprintf(w, "  _, err = c.ConnectChannel(ctx, %q, req)\n", demoUnknownChannel)
	_, err = c.ConnectChannel(ctx, demoUnknownChannel, req)
	exchanges = wire.take()
	printRequests(w, exchanges)
	printResponses(w, exchanges)
	if err := checkRejection(w, err, http.StatusNotFound, "Channel not found", "ErrChannelNotFound", client.ErrChannelNotFound); err != nil {
		return fmt.Errorf("step 5: %w", err)
	}
	return nil
}

// checkRejection prints err as a caller sees it, through errors.As and errors.Is, and says
// what differs from an *APIError with status and message that matches sentinel.
func checkRejection(w io.Writer, err error, status int, message, sentinelName string, sentinel error) error {
	if err == nil {
		return fmt.Errorf("want %d %s, have success", status, message)
	}
	fmt.Fprintf(w, "  err.Error() = %s\n", err)
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) {
		return fmt.Errorf("want an *client.APIError (%d %s), have: %w", status, message, err)
	}
	fmt.Fprintf(w, "  errors.As(err, &apiErr) = true: StatusCode %d, Code %d, Message %q\n", apiErr.StatusCode, apiErr.Code, apiErr.Message)
	is := errors.Is(err, sentinel)
	fmt.Fprintf(w, "  errors.Is(err, client.%s) = %t\n", sentinelName, is)
	switch {
	case apiErr.StatusCode != status || apiErr.Message != message:
		return fmt.Errorf("want %d %s, have: %w", status, message, err)
	case !is:
		return fmt.Errorf("errors.Is(err, client.%s) is false for: %w", sentinelName, err)
	}
	return nil
}

// checkSent holds the recorded requests to the call that was made: one POST to the channel's
// connect route, authenticated, carrying req.
func checkSent(exchanges []exchange, channelID string, req client.ConnectRequest) error {
	if len(exchanges) != 1 {
		return fmt.Errorf("want 1 request, have %d", len(exchanges))
	}
	ex := exchanges[0]
	var sent client.ConnectRequest
	dec := json.NewDecoder(bytes.NewReader(ex.reqBody))
	dec.DisallowUnknownFields()
	switch wantPath := "/v1/channels/" + channelID + "/connect"; {
	case ex.method != http.MethodPost || ex.path != wantPath:
		return fmt.Errorf("want POST %s, have %s %s", wantPath, ex.method, ex.path)
	case !strings.HasPrefix(ex.authorization, "Bearer ") || len(ex.authorization) == len("Bearer "):
		return errors.New(`the request has no "Authorization: Bearer ..." header`)
	case dec.Decode(&sent) != nil || sent != req:
		return errors.New("the request body is not the SDK's payload")
	}
	return nil
}

// printRequests prints each request as curl -v would, the credential redacted and the body in
// the SDK's key order (the client may encode it in any order).
func printRequests(w io.Writer, exchanges []exchange) {
	for _, ex := range exchanges {
		fmt.Fprintf(w, "  > %s %s\n", ex.method, ex.path)
		fmt.Fprintf(w, "  > Authorization: %s\n", secretkey.RedactAuthorization(ex.authorization))
		fmt.Fprintf(w, "  > Content-Type: %s\n", ex.contentType)
		var sent client.ConnectRequest
		if json.Unmarshal(ex.reqBody, &sent) == nil {
			body, _ := json.Marshal(sent) // ConnectRequest's fields are in the SDK's order
			fmt.Fprintf(w, "  > %s\n", body)
		} else {
			fmt.Fprintf(w, "  > (%d bytes that are not a connect request)\n", len(ex.reqBody))
		}
	}
}

// printResponses prints each response's status, content type and body.
func printResponses(w io.Writer, exchanges []exchange) {
	for _, ex := range exchanges {
		if ex.err != nil {
			fmt.Fprintf(w, "  < (no response: %v)\n", ex.err)
			continue
		}
		fmt.Fprintf(w, "  < %d %s\n", ex.status, http.StatusText(ex.status))
		fmt.Fprintf(w, "  < Content-Type: %s\n", ex.respContentType)
		fmt.Fprintf(w, "  < %s\n", printable.String(string(bytes.TrimSpace(ex.respBody))))
	}
}

// exchange is one request and its response, as they crossed the wire.
type exchange struct {
	method, path, authorization, contentType string
	reqBody                                  []byte
	status                                   int
	respContentType                          string
	respBody                                 []byte
	err                                      error
}

// wireRecorder is an http.RoundTripper that records what the client sends and receives.
type wireRecorder struct {
	base      http.RoundTripper
	mu        sync.Mutex
	exchanges []exchange
}

func (r *wireRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	ex := exchange{
		method:        req.Method,
		path:          req.URL.Path,
		authorization: req.Header.Get("Authorization"),
		contentType:   req.Header.Get("Content-Type"),
	}
	if req.Body != nil {
		body, err := io.ReadAll(io.LimitReader(req.Body, maxPayloadSize))
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		ex.reqBody = body
		req = req.Clone(req.Context()) // a RoundTripper must not modify the caller's request
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		req.ContentLength = int64(len(body))
	}
	resp, err := r.base.RoundTrip(req)
	if err == nil {
		var body []byte
		body, err = io.ReadAll(io.LimitReader(resp.Body, client.MaxBodySize))
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		ex.status, ex.respContentType, ex.respBody = resp.StatusCode, resp.Header.Get("Content-Type"), body
	}
	ex.err = err
	r.mu.Lock()
	r.exchanges = append(r.exchanges, ex)
	r.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// take returns the exchanges recorded since the last call.
func (r *wireRecorder) take() []exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	exs := r.exchanges
	r.exchanges = nil
	return exs
}
