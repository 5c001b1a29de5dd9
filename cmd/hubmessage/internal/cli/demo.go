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
	"github.com/hubmessage/hubmessage-go/cmd/hubmessage/internal/wiretap"
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
	d := &demoWalk{w: w, shown: map[string]bool{}}
	c, err := client.New(secretKey, client.WithBaseURL(baseURL),
		client.WithHTTPClient(&http.Client{Transport: wiretap.Transport{Base: transport, Record: d.record}}))
	if err != nil {
		return 0, fmt.Errorf("client.New: %w", err)
	}
	var req client.ConnectRequest
	if err := json.Unmarshal([]byte(demoPayload), &req); err != nil {
		return 0, fmt.Errorf("decoding the browser SDK's payload: %w", err)
	}
	k := &demoCalls{ctx: ctx, c: c}
	if err := d.step(k.createStep(baseURL)); err != nil {
		return d.n, err
	}
	for _, s := range k.lifecycleSteps(req) { // on the channel created
		if err := d.step(s); err != nil {
			return d.n, err
		}
	}
	return d.n, nil
}

// createStep is the first step: it creates the channel the others use.
func (k *demoCalls) createStep(baseURL string) demoStep {
	req := client.CreateChannelRequest{Name: "Sales", Type: client.ChannelTypeMetaWhatsApp}
	return demoStep{
		name:  "create",
		title: "Create a WhatsApp channel (the account needs the ENTERPRISE role):",
		code: []string{
			fmt.Sprintf("c, err := client.New(secretKey, client.WithBaseURL(%q))", baseURL),
			fmt.Sprintf("res, err := c.CreateChannel(ctx, client.CreateChannelRequest{Name: %q, Type: client.ChannelTypeMetaWhatsApp})", req.Name),
			"id := res.ChannelID",
		},
		demoCall: k.create(req),
		want:     `201 {"id":...}`,
	}
}

// lifecycleSteps are the steps on the created channel, req being the browser SDK's payload.
func (k *demoCalls) lifecycleSteps(req client.ConnectRequest) []demoStep {
	const reason = "Customer closed the company"
	fresh := req
	fresh.Code = "XYZ789GHI012" // unused so far: the 404 is about the channel alone
	return []demoStep{{
		name:     "connect",
		title:    "Connect it with the payload the browser SDK (@hubmessage/connect) hands your backend:\n  " + demoPayload,
		code:     []string{"var req client.ConnectRequest", "err = json.Unmarshal(payload, &req)", "_, err = c.ConnectChannel(ctx, id, req)"},
		demoCall: k.connect(req),
		want:     `200 {"success":true}`,
	}, {
		name:     "the code's reuse",
		title:    "The same code again is refused: a code is single-use (and lives ~30 s).",
		code:     []string{"_, err = c.ConnectChannel(ctx, id, req)"},
		demoCall: k.connect(req),
		reject:   &demoRejection{http.StatusUnprocessableEntity, "CODE_ALREADY_USED", "ErrCodeAlreadyUsed", client.ErrCodeAlreadyUsed},
	}, {
		name:     "delete while connected",
		title:    "Delete is refused while the channel is connected: disconnect it first.",
		code:     []string{"_, err = c.DeleteChannel(ctx, id, nil)"},
		demoCall: k.delete(""),
		reject:   &demoRejection{http.StatusUnprocessableEntity, "INSTANCE_STILL_CONNECTED", "ErrChannelConnected", client.ErrChannelConnected},
	}, {
		name:     "disconnect",
		title:    "Disconnect it; the API answers the JSON boolean true.",
		code:     []string{"_, err = c.DisconnectChannel(ctx, id)"},
		demoCall: k.disconnect(),
		want:     "200 true",
	}, {
		name:     "delete",
		title:    "Delete it, now that it is disconnected; the reason is optional.",
		code:     []string{fmt.Sprintf("_, err = c.DeleteChannel(ctx, id, &client.DeleteOptions{Reason: %q})", reason)},
		demoCall: k.delete(reason),
		want:     "204",
	}, {
		name:     "a call after delete",
		title:    "Gone for good: every call on its id now answers 404 (here connect, with a fresh code).",
		code:     []string{fmt.Sprintf("req.Code = %q", fresh.Code), "_, err = c.ConnectChannel(ctx, id, req)"},
		demoCall: k.connect(fresh),
		reject:   &demoRejection{http.StatusNotFound, "Channel not found", "ErrChannelNotFound", client.ErrChannelNotFound},
	}}
}

// demoStep is one step of the walkthrough: a call, and what the API must answer to it.
type demoStep struct {
	name  string   // names the step in a failure: "step 4 (delete while connected)"
	title string   // introduces the step
	code  []string // the Go lines of the call, as a caller writes them
	demoCall
	// reject is the documented refusal the call must get; nil when it must succeed with want.
	reject *demoRejection
	want   string
}

// demoCall is a client call and the one request it must send.
type demoCall struct {
	op           string // the client method: its first exchange is shown with the headers
	method, path string
	// body checks the request body and returns it for printing.
	body func([]byte) (string, error)
	// call makes the call; on success it returns the result as the caller sees it.
	call func() (string, error)
}

// demoCalls makes the demo's calls, on the channel its create call created.
type demoCalls struct {
	ctx context.Context
	c   *client.Client
	id  string
}

func (k *demoCalls) create(req client.CreateChannelRequest) demoCall {
	return demoCall{op: "CreateChannel", method: http.MethodPost, path: "/v1/channels", body: jsonBody(req, "channel to create"),
		call: func() (string, error) {
			res, err := k.c.CreateChannel(k.ctx, req)
			if err != nil {
				return "", err
			}
			k.id = res.ChannelID
			return "id = " + k.id + ", err = nil", nil
		}}
}

func (k *demoCalls) connect(req client.ConnectRequest) demoCall {
	return demoCall{op: "ConnectChannel", method: http.MethodPost, path: "/v1/channels/" + k.id + "/connect", body: jsonBody(req, "browser SDK's payload"),
		call: func() (string, error) {
			_, err := k.c.ConnectChannel(k.ctx, k.id, req)
			return "err = nil: the channel is connected", err
		}}
}

func (k *demoCalls) disconnect() demoCall {
	return demoCall{op: "DisconnectChannel", method: http.MethodPut, path: "/v1/channels/" + k.id + "/disconnect", body: noBody,
		call: func() (string, error) {
			_, err := k.c.DisconnectChannel(k.ctx, k.id)
			return "err = nil: the channel is not connected now", err
		}}
}

// delete deletes the channel giving reason, or no reason (nil options, no body) when "".
func (k *demoCalls) delete(reason string) demoCall {
	opts, body := (*client.DeleteOptions)(nil), noBody
	if reason != "" {
		opts = &client.DeleteOptions{Reason: reason}
		body = jsonBody(struct {
			CancelReason string `json:"cancelReason"`
		}{reason}, "delete request")
	}
	return demoCall{op: "DeleteChannel", method: http.MethodDelete, path: "/v1/channels/" + k.id, body: body,
		call: func() (string, error) {
			_, err := k.c.DeleteChannel(k.ctx, k.id, opts)
			return "err = nil: the channel is deleted", err
		}}
}

// demoRejection is a documented refusal: an *client.APIError with status and message that
// matches the sentinel.
type demoRejection struct {
	status       int
	message      string
	sentinelName string
	sentinel     error
}

// demoWalk prints the steps and counts them.
type demoWalk struct {
	w         io.Writer
	mu        sync.Mutex
	exchanges []wiretap.Exchange // the client's, since the step began
	n         int                // steps started
	shown     map[string]bool    // ops whose exchange was shown in full
	explained bool               // whether an error was shown through errors.As
}

// step runs s and prints it: the Go lines, the exchange, then the result or the error checks.
// It returns an error naming s unless s behaved as documented.
func (d *demoWalk) step(s demoStep) error {
	d.n++
	fmt.Fprintf(d.w, "\nStep %d. %s\n", d.n, s.title)
	for _, line := range s.code {
		fmt.Fprintln(d.w, "  "+line)
	}
	result, err := s.call()
	d.mu.Lock()
	exchanges := d.exchanges
	d.exchanges = nil
	d.mu.Unlock()
	for _, ex := range exchanges {
		d.printExchange(s, ex)
	}
	d.shown[s.op] = true
	switch sentErr := checkSent(s, exchanges); {
	case sentErr != nil:
		err = errors.Join(sentErr, err)
	case s.reject != nil:
		err = d.checkRejection(err, *s.reject)
	case err != nil:
		err = fmt.Errorf("want %s, have: %w", s.want, err)
	default:
		fmt.Fprintln(d.w, "  "+result)
	}
	if err != nil {
		return fmt.Errorf("step %d (%s): %w", d.n, s.name, err)
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
func checkSent(s demoStep, exchanges []wiretap.Exchange) error {
	if len(exchanges) != 1 {
		return fmt.Errorf("want 1 request, have %d", len(exchanges))
	}
	req := exchanges[0].Request
	if req.Method != s.method || req.URL.Path != s.path {
		return fmt.Errorf("want %s %s, have %s %s", s.method, s.path, req.Method, req.URL.Path)
	}
	if auth := req.Header.Get("Authorization"); !strings.HasPrefix(auth, "Bearer ") || len(auth) == len("Bearer ") {
		return errors.New(`the request has no "Authorization: Bearer ..." header`)
	}
	_, err := s.body(exchanges[0].RequestBody)
	return err
}

// noBody checks that no request body was sent.
func noBody(b []byte) (string, error) {
	if len(b) > 0 {
		return fmt.Sprintf("(%d bytes)", len(b)), fmt.Errorf("want no request body, have %d bytes", len(b))
	}
	return "", nil
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
func (d *demoWalk) printExchange(s demoStep, ex wiretap.Exchange) {
	headers := !d.shown[s.op]
	fmt.Fprintf(d.w, "  > %s %s\n", ex.Request.Method, ex.Request.URL.Path)
	if headers {
		fmt.Fprintf(d.w, "  > Authorization: %s\n", secretkey.RedactAuthorization(ex.Request.Header.Get("Authorization")))
		d.printHeader(">", ex.Request.Header)
	}
	if body, _ := s.body(ex.RequestBody); body != "" {
		fmt.Fprintf(d.w, "  > %s\n", body)
	}
	if ex.Err != nil {
		fmt.Fprintf(d.w, "  < (no response: %v)\n", ex.Err)
		return
	}
	fmt.Fprintf(d.w, "  < %d %s\n", ex.Response.StatusCode, http.StatusText(ex.Response.StatusCode))
	if headers {
		d.printHeader("<", ex.Response.Header)
	}
	if body := printable.String(string(bytes.TrimSpace(ex.ResponseBody))); body != "" {
		fmt.Fprintf(d.w, "  < %s\n", body)
	}
}

// printHeader prints h's Content-Type, if any, after the direction mark (> sent, < received).
func (d *demoWalk) printHeader(mark string, h http.Header) {
	if ct := h.Get("Content-Type"); ct != "" {
		fmt.Fprintf(d.w, "  %s Content-Type: %s\n", mark, ct)
	}
}

// record is the client's wiretap.
func (d *demoWalk) record(ex wiretap.Exchange) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.exchanges = append(d.exchanges, ex)
}
