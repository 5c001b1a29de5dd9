package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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

Walks a channel's lifecycle end to end with package client, against the reference server
(package mockserver) started in this process on a free loopback port (127.0.0.1:0) with a
generated Secret Key. Nothing leaves the machine; no key or account is needed. Each call is
shown as your code makes it, as sent on the wire (the Secret Key as "Bearer ` + secretkey.Redacted + `";
it is never printed), with the API's answer and the typed result or error your code gets. The
first call of each operation shows the headers too.

The steps:
  1. create a META_WHATSAPP channel: POST /v1/channels, 201 {"id":...}
  2. connect it with the browser SDK's payload: POST /v1/channels/{channelId}/connect, 200
  3. the same code again: 422 CODE_ALREADY_USED, errors.Is(err, client.ErrCodeAlreadyUsed):
     a code is single-use
  4. delete while connected: DELETE /v1/channels/{channelId}, 422 INSTANCE_STILL_CONNECTED,
     errors.Is(err, client.ErrChannelConnected)
  5. disconnect: PUT /v1/channels/{channelId}/disconnect, 200 true
  6. delete, with a reason: 204
  7. a call after delete: 404, errors.Is(err, client.ErrChannelNotFound), for good

The output is the same on every run but for the port and the created channel's id. Exit
status: 0 when every step behaves as documented, 1 when one does not (the message names the
step), 2 on bad usage. 'make demo' runs it.
`

// demoPayload is the spec's example request, as the browser SDK hands it to a backend.
const demoPayload = `{"wabaId":"428083093730937","phoneId":"123456789012345","code":"ABC123DEF456","coexistence":false}`

// demoFreshCode is the code of the call after delete, unused so far: its 404 is about the
// channel alone.
const demoFreshCode = "XYZ789GHI012"

// The channel the demo creates, and why it deletes it.
const (
	demoChannelName  = "Sales"
	demoDeleteReason = "Customer closed the company"
)

func runDemo(ctx context.Context, args []string, env Env) int {
	fs := newFlagSet("hubmessage demo")
	if err := parseFlags(fs, args); err != nil {
		return flagsFailed(env, fs.Name(), demoUsage, err)
	}
	return demo(ctx, env)
}

// demo runs the reference server with opts (tests choose the Secret Key) and walks the lifecycle.
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
	fmt.Fprintln(env.Stdout, "Secret Key generated, never shown; the account has the ENTERPRISE role.")
	n, flowErr := walkDemo(ctx, env.Stdout, baseURL, s.SecretKey())

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
	fmt.Fprintf(env.Stdout, "All %d steps behaved as documented. Reference server stopped.\n", n)
	return exitOK
}

// walkDemo walks the lifecycle against the API at baseURL, printing each step to w. It
// returns the number of steps, and an error naming the first step that did not behave as
// documented.
func walkDemo(ctx context.Context, w io.Writer, baseURL, secretKey string) (int, error) {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	defer transport.CloseIdleConnections()
	wire := &wireRecorder{base: transport}
	c, err := client.New(secretKey, client.WithBaseURL(baseURL), client.WithHTTPClient(&http.Client{Transport: wire}))
	if err != nil {
		return 0, fmt.Errorf("client.New: %w", err)
	}
	var req client.ConnectRequest
	if err := json.Unmarshal([]byte(demoPayload), &req); err != nil {
		return 0, fmt.Errorf("decoding the browser SDK's payload: %w", err)
	}
	d := &demoWalk{w: w, wire: wire, shown: map[string]bool{}}

	create := client.CreateChannelRequest{Name: demoChannelName, Type: client.ChannelTypeMetaWhatsApp}
	var id string
	if err := d.step(demoStep{
		name:  "create",
		title: "Create a WhatsApp channel (the account needs the ENTERPRISE role):",
		code: []string{
			fmt.Sprintf("c, err := client.New(secretKey, client.WithBaseURL(%q))", baseURL),
			fmt.Sprintf("res, err := c.CreateChannel(ctx, client.CreateChannelRequest{Name: %q, Type: client.ChannelTypeMetaWhatsApp})", create.Name),
			"id := res.ChannelID",
		},
		op: "CreateChannel", method: http.MethodPost, path: "/v1/channels", body: jsonBody(create, "channel to create"),
		want: `201 {"id":...}`,
		call: func() (string, error) {
			res, err := c.CreateChannel(ctx, create)
			if err != nil {
				return "", err
			}
			id = res.ChannelID
			return "id = " + id + ", err = nil", nil
		},
	}); err != nil {
		return d.n, err
	}

	channel := "/v1/channels/" + id
	connect := func(req client.ConnectRequest) func() (string, error) {
		return func() (string, error) {
			_, err := c.ConnectChannel(ctx, id, req)
			return "err = nil: the channel is connected", err
		}
	}
	fresh := req
	fresh.Code = demoFreshCode
	deleteBody := demoDeleteBody{CancelReason: demoDeleteReason}
	steps := []demoStep{{
		name:  "connect",
		title: "Connect it with the payload the browser SDK (@hubmessage/connect) hands your backend:\n  " + demoPayload,
		code:  []string{"var req client.ConnectRequest", "err = json.Unmarshal(payload, &req)", "_, err = c.ConnectChannel(ctx, id, req)"},
		op:    "ConnectChannel", method: http.MethodPost, path: channel + "/connect", body: jsonBody(req, "browser SDK's payload"),
		want: `200 {"success":true}`,
		call: connect(req),
	}, {
		name:  "the code's reuse",
		title: "The same code again is refused: a code is single-use (and lives ~30 s).",
		code:  []string{"_, err = c.ConnectChannel(ctx, id, req)"},
		op:    "ConnectChannel", method: http.MethodPost, path: channel + "/connect", body: jsonBody(req, "browser SDK's payload"),
		reject: &demoRejection{http.StatusUnprocessableEntity, "CODE_ALREADY_USED", "ErrCodeAlreadyUsed", client.ErrCodeAlreadyUsed},
		call:   connect(req),
	}, {
		name:  "delete while connected",
		title: "Delete is refused while the channel is connected: disconnect it first.",
		code:  []string{"_, err = c.DeleteChannel(ctx, id, nil)"},
		op:    "DeleteChannel", method: http.MethodDelete, path: channel,
		reject: &demoRejection{http.StatusUnprocessableEntity, "INSTANCE_STILL_CONNECTED", "ErrChannelConnected", client.ErrChannelConnected},
		call: func() (string, error) {
			_, err := c.DeleteChannel(ctx, id, nil)
			return "", err
		},
	}, {
		name:  "disconnect",
		title: "Disconnect it; the API answers the JSON boolean true.",
		code:  []string{"_, err = c.DisconnectChannel(ctx, id)"},
		op:    "DisconnectChannel", method: http.MethodPut, path: channel + "/disconnect",
		want: "200 true",
		call: func() (string, error) {
			_, err := c.DisconnectChannel(ctx, id)
			return "err = nil: the channel is not connected now", err
		},
	}, {
		name:  "delete",
		title: "Delete it, now that it is disconnected; the reason is optional.",
		code:  []string{fmt.Sprintf("_, err = c.DeleteChannel(ctx, id, &client.DeleteOptions{Reason: %q})", demoDeleteReason)},
		op:    "DeleteChannel", method: http.MethodDelete, path: channel, body: jsonBody(deleteBody, "delete request"),
		want: "204",
		call: func() (string, error) {
			_, err := c.DeleteChannel(ctx, id, &client.DeleteOptions{Reason: demoDeleteReason})
			return "err = nil: the channel is deleted", err
		},
	}, {
		name:  "a call after delete",
		title: "Gone for good: every call on its id now answers 404 (here connect, with a fresh code).",
		code:  []string{fmt.Sprintf("req.Code = %q", demoFreshCode), "_, err = c.ConnectChannel(ctx, id, req)"},
		op:    "ConnectChannel", method: http.MethodPost, path: channel + "/connect", body: jsonBody(fresh, "browser SDK's payload"),
		reject: &demoRejection{http.StatusNotFound, "Channel not found", "ErrChannelNotFound", client.ErrChannelNotFound},
		call:   connect(fresh),
	}}
	for _, s := range steps {
		if err := d.step(s); err != nil {
			return d.n, err
		}
	}
	return d.n, nil
}

// demoStep is one call of the walkthrough and what the API must answer to it.
type demoStep struct {
	name  string   // names the step in a failure: "step 4 (delete while connected)"
	title string   // introduces the step
	code  []string // the Go lines of the call, as a caller writes them
	// op is the client method: its first exchange is shown with the headers, later ones without.
	op string
	// method, path and body are the one request the call must send; body checks its body
	// and returns it for printing, nil when none may be sent.
	method, path string
	body         func([]byte) (string, error)
	// call makes the call; on success it returns the result as the caller sees it.
	call func() (string, error)
	// reject is the documented refusal the call must get; nil when it must succeed with want.
	reject *demoRejection
	want   string
}

// demoRejection is a documented refusal: an *client.APIError with status and message that
// matches the sentinel.
type demoRejection struct {
	status       int
	message      string
	sentinelName string
	sentinel     error
}

// demoDeleteBody is DeleteChannel's request body when it has a reason.
type demoDeleteBody struct {
	CancelReason string `json:"cancelReason"`
}

// demoWalk prints the steps and counts them.
type demoWalk struct {
	w         io.Writer
	wire      *wireRecorder
	n         int             // steps started
	shown     map[string]bool // ops whose exchange was shown in full
	explained bool            // whether an error was shown through errors.As
}

// step runs s and prints it: the Go lines, the exchange, then the result or the error checks.
// It returns an error naming s unless s behaved as documented.
func (d *demoWalk) step(s demoStep) error {
	d.n++
	fail := func(err error) error { return fmt.Errorf("step %d (%s): %w", d.n, s.name, err) }
	fmt.Fprintf(d.w, "\nStep %d. %s\n", d.n, s.title)
	for _, line := range s.code {
		fmt.Fprintln(d.w, "  "+line)
	}
	result, err := s.call()
	exchanges := d.wire.take()
	for _, ex := range exchanges {
		d.printExchange(s, ex)
	}
	d.shown[s.op] = true
	if sentErr := checkSent(s, exchanges); sentErr != nil {
		return fail(errors.Join(sentErr, err))
	}
	if s.reject == nil {
		if err != nil {
			return fail(fmt.Errorf("want %s, have: %w", s.want, err))
		}
		fmt.Fprintln(d.w, "  "+result)
		return nil
	}
	if err := d.checkRejection(err, *s.reject); err != nil {
		return fail(err)
	}
	return nil
}

// checkRejection prints err as a caller sees it, through errors.As (the first time) and
// errors.Is, and says what differs from the documented rejection r.
func (d *demoWalk) checkRejection(err error, r demoRejection) error {
	if err == nil {
		return fmt.Errorf("want %d %s, have success", r.status, r.message)
	}
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) {
		return fmt.Errorf("want an *client.APIError (%d %s), have: %w", r.status, r.message, err)
	}
	if !d.explained {
		d.explained = true
		fmt.Fprintf(d.w, "  err.Error() = %s\n", err)
		fmt.Fprintln(d.w, "  var apiErr *client.APIError")
		fmt.Fprintf(d.w, "  errors.As(err, &apiErr) = true: StatusCode %d, Code %d, Message %q\n", apiErr.StatusCode, apiErr.Code, apiErr.Message)
	}
	is := errors.Is(err, r.sentinel)
	fmt.Fprintf(d.w, "  errors.Is(err, client.%s) = %t\n", r.sentinelName, is)
	switch {
	case apiErr.StatusCode != r.status || apiErr.Message != r.message:
		return fmt.Errorf("want %d %s, have: %w", r.status, r.message, err)
	case !is:
		return fmt.Errorf("errors.Is(err, client.%s) is false for: %w", r.sentinelName, err)
	}
	return nil
}

// checkSent holds the recorded requests to the step's: one, to its route, authenticated,
// with its body.
func checkSent(s demoStep, exchanges []exchange) error {
	if len(exchanges) != 1 {
		return fmt.Errorf("want 1 request, have %d", len(exchanges))
	}
	ex := exchanges[0]
	if ex.method != s.method || ex.path != s.path {
		return fmt.Errorf("want %s %s, have %s %s", s.method, s.path, ex.method, ex.path)
	}
	if !strings.HasPrefix(ex.authorization, "Bearer ") || len(ex.authorization) == len("Bearer ") {
		return errors.New(`the request has no "Authorization: Bearer ..." header`)
	}
	_, err := s.sentBody(ex.reqBody)
	return err
}

// sentBody checks a request body against the step's and returns it for printing.
func (s demoStep) sentBody(b []byte) (string, error) {
	if s.body == nil {
		if len(b) > 0 {
			return fmt.Sprintf("(%d bytes)", len(b)), fmt.Errorf("want no request body, have %d bytes", len(b))
		}
		return "", nil
	}
	return s.body(b)
}

// jsonBody returns a check that a request body is want, as JSON with no other field. It
// returns the body encoded in T's field order (the client may encode it in any order), what
// the browser SDK sends for a connect request.
func jsonBody[T comparable](want T, what string) func([]byte) (string, error) {
	return func(b []byte) (string, error) {
		var sent T
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if dec.Decode(&sent) != nil || sent != want {
			return fmt.Sprintf("(%d bytes that are not the %s)", len(b), what), fmt.Errorf("the request body is not the %s", what)
		}
		out, err := json.Marshal(sent)
		return string(out), err
	}
}

// printExchange prints a request and its response as curl -v would, the credential redacted.
// The headers are shown for the first call of the step's operation only: they do not change.
func (d *demoWalk) printExchange(s demoStep, ex exchange) {
	headers := !d.shown[s.op]
	fmt.Fprintf(d.w, "  > %s %s\n", ex.method, ex.path)
	if headers {
		fmt.Fprintf(d.w, "  > Authorization: %s\n", secretkey.RedactAuthorization(ex.authorization))
		if ex.contentType != "" {
			fmt.Fprintf(d.w, "  > Content-Type: %s\n", ex.contentType)
		}
	}
	if body, _ := s.sentBody(ex.reqBody); body != "" {
		fmt.Fprintf(d.w, "  > %s\n", body)
	}
	if ex.err != nil {
		fmt.Fprintf(d.w, "  < (no response: %v)\n", ex.err)
		return
	}
	fmt.Fprintf(d.w, "  < %d %s\n", ex.status, http.StatusText(ex.status))
	if headers && ex.respContentType != "" {
		fmt.Fprintf(d.w, "  < Content-Type: %s\n", ex.respContentType)
	}
	if body := printable.String(string(bytes.TrimSpace(ex.respBody))); body != "" {
		fmt.Fprintf(d.w, "  < %s\n", body)
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
