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
	"reflect"
	"strings"

	"github.com/hubmessage/hubmessage-go/client"
	"github.com/hubmessage/hubmessage-go/cmd/hubmessage/internal/wiretap"
	"github.com/hubmessage/hubmessage-go/internal/printable"
	"github.com/hubmessage/hubmessage-go/internal/secretkey"
	"github.com/hubmessage/hubmessage-go/mockserver"
)

const demoUsage = `Usage: hubmessage demo

Walks a channel's lifecycle with package client against the reference server, run in this
process on a free loopback port with a generated Secret Key: nothing leaves the machine and
no key is needed. Each step shows the Go call, the exchange on the wire (headers for an
operation's first call; the key as "Bearer ` + secretkey.Redacted + `") and what the call returns:
create a channel (201), connect it with the browser SDK's payload (200), the same code again
(422 CODE_ALREADY_USED), delete while connected (422 INSTANCE_STILL_CONNECTED), disconnect
(200 true), delete (204), a call after delete (404); each refusal matched with errors.Is.
Only the port and the channel's id differ between runs.

Exit status: 0 when every step behaves as documented, 1 when one does not (the message names
the step), 2 on bad usage. 'make demo' runs it.
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
	var ln net.Listener
	if err == nil {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "hubmessage demo: %v\n", err)
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
	fmt.Fprintf(env.Stdout, "\nAll %d steps behaved as documented. Reference server stopped.\n", n)
	return exitOK
}

// demoStep is one step of the walkthrough: a call, the one request it must send, and what
// the API must answer.
type demoStep struct {
	name, title  string   // name is the step's in a failure: "step 4 (delete while connected)"
	code         []string // the Go lines of the call, as a caller writes them
	method, path string   // of the request; {id} stands for the created channel
	body         any      // the request's JSON body; nil for none
	call         func() (string, error)
	want         string // the documented answer: on success call returns what the caller sees,
	sentinel     error  // else the error matches sentinel, named sentinelName
	sentinelName string
}

// demoWalk prints the steps as it runs them.
type demoWalk struct {
	ctx       context.Context
	c         *client.Client
	w         io.Writer
	id        string             // the channel step 1 created
	exchanges []wiretap.Exchange // the client's, since the step began
	shown     map[string]bool    // method and path of the operations whose headers were shown
	explained bool               // whether an error was shown through errors.As
}

// walkDemo walks the lifecycle against the API at baseURL, printing to w. It returns the
// steps run and an error naming the first that did not behave as documented.
func walkDemo(ctx context.Context, w io.Writer, baseURL, secretKey string) (int, error) {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	defer transport.CloseIdleConnections()
	d := &demoWalk{ctx: ctx, w: w, shown: map[string]bool{}}
	var err error
	d.c, err = client.New(secretKey, client.WithBaseURL(baseURL),
		client.WithHTTPClient(&http.Client{Transport: wiretap.Transport{Base: transport, Record: d.record}}))
	if err != nil {
		return 0, fmt.Errorf("client.New: %w", err)
	}
	var req client.ConnectRequest
	if err := json.Unmarshal([]byte(demoPayload), &req); err != nil {
		return 0, fmt.Errorf("decoding the browser SDK's payload: %w", err)
	}
	steps := d.steps(baseURL, req)
	for i, s := range steps {
		if err := d.step(i+1, s); err != nil {
			return i + 1, fmt.Errorf("step %d (%s): %w", i+1, s.name, err)
		}
	}
	return len(steps), nil
}

// steps are the walkthrough's, req being the browser SDK's payload.
func (d *demoWalk) steps(baseURL string, req client.ConnectRequest) []demoStep {
	create := client.CreateChannelRequest{Name: "Sales", Type: client.ChannelTypeMetaWhatsApp}
	const reason = "Customer closed the company"
	fresh := req
	fresh.Code = "XYZ789GHI012" // unused so far: the 404 is about the channel alone
	connect := func(req client.ConnectRequest) func() (string, error) {
		return func() (string, error) {
			_, err := d.c.ConnectChannel(d.ctx, d.id, req)
			return "err = nil: the channel is connected", err
		}
	}
	deleteChannel := func(opts *client.DeleteOptions) func() (string, error) {
		return func() (string, error) {
			_, err := d.c.DeleteChannel(d.ctx, d.id, opts)
			return "err = nil: the channel is deleted", err
		}
	}
	const channelPath = "/v1/channels/{id}"
	return []demoStep{{
		name:  "create",
		title: "Create a WhatsApp channel (the account needs the ENTERPRISE role):",
		code: []string{
			fmt.Sprintf("c, err := client.New(secretKey, client.WithBaseURL(%q))", baseURL),
			fmt.Sprintf("res, err := c.CreateChannel(ctx, client.CreateChannelRequest{Name: %q, Type: client.ChannelTypeMetaWhatsApp})", create.Name),
			"id := res.ChannelID",
		},
		method: http.MethodPost, path: "/v1/channels", body: create,
		call: func() (string, error) {
			res, err := d.c.CreateChannel(d.ctx, create)
			if err != nil {
				return "", err
			}
			d.id = res.ChannelID
			return "id = " + d.id + ", err = nil", nil
		},
		want: `201 {"id":...}`,
	}, {
		name:   "connect",
		title:  "Connect it with the payload the browser SDK (@hubmessage/connect) hands your backend:\n  " + demoPayload,
		code:   []string{"var req client.ConnectRequest", "err = json.Unmarshal(payload, &req)", "_, err = c.ConnectChannel(ctx, id, req)"},
		method: http.MethodPost, path: channelPath + "/connect", body: req, call: connect(req),
		want: `200 {"success":true}`,
	}, {
		name:   "the code's reuse",
		title:  "The same code again is refused: a code is single-use (and lives ~30 s).",
		code:   []string{"_, err = c.ConnectChannel(ctx, id, req)"},
		method: http.MethodPost, path: channelPath + "/connect", body: req, call: connect(req),
		want: "422 CODE_ALREADY_USED", sentinel: client.ErrCodeAlreadyUsed, sentinelName: "ErrCodeAlreadyUsed",
	}, {
		name:   "delete while connected",
		title:  "Delete is refused while the channel is connected: disconnect it first.",
		code:   []string{"_, err = c.DeleteChannel(ctx, id, nil)"},
		method: http.MethodDelete, path: channelPath, call: deleteChannel(nil),
		want: "422 INSTANCE_STILL_CONNECTED", sentinel: client.ErrChannelConnected, sentinelName: "ErrChannelConnected",
	}, {
		name:   "disconnect",
		title:  "Disconnect it; the API answers the JSON boolean true.",
		code:   []string{"_, err = c.DisconnectChannel(ctx, id)"},
		method: http.MethodPut, path: channelPath + "/disconnect",
		call: func() (string, error) {
			_, err := d.c.DisconnectChannel(d.ctx, d.id)
			return "err = nil: the channel is not connected now", err
		},
		want: "200 true",
	}, {
		name:   "delete",
		title:  "Delete it, now that it is disconnected; the reason is optional.",
		code:   []string{fmt.Sprintf("_, err = c.DeleteChannel(ctx, id, &client.DeleteOptions{Reason: %q})", reason)},
		method: http.MethodDelete, path: channelPath, body: map[string]string{"cancelReason": reason}, call: deleteChannel(&client.DeleteOptions{Reason: reason}),
		want: "204",
	}, {
		name:   "a call after delete",
		title:  "Gone for good: every call on its id now answers 404 (here connect, with a fresh code).",
		code:   []string{fmt.Sprintf("req.Code = %q", fresh.Code), "_, err = c.ConnectChannel(ctx, id, req)"},
		method: http.MethodPost, path: channelPath + "/connect", body: fresh, call: connect(fresh),
		want: "404 Channel not found", sentinel: client.ErrChannelNotFound, sentinelName: "ErrChannelNotFound",
	}}
}

// step runs s and prints it: the Go lines, the exchange, then the result or the error.
func (d *demoWalk) step(n int, s demoStep) error {
	fmt.Fprintf(d.w, "\nStep %d. %s\n", n, s.title)
	for _, line := range s.code {
		fmt.Fprintln(d.w, "  "+line)
	}
	result, err := s.call()
	exchanges := d.exchanges
	d.exchanges = nil
	for _, ex := range exchanges {
		d.printExchange(s, ex)
	}
	d.shown[s.method+" "+s.path] = true
	var sentErr error // unless the step sent one request, to its route, with its body
	if path := strings.ReplaceAll(s.path, "{id}", d.id); len(exchanges) != 1 {
		sentErr = fmt.Errorf("want 1 request, have %d", len(exchanges))
	} else if req := exchanges[0].Request; req.Method != s.method || req.URL.Path != path {
		sentErr = fmt.Errorf("want %s %s, have %s %s", s.method, path, req.Method, req.URL.Path)
	} else {
		_, sentErr = checkBody(s.body, exchanges[0].RequestBody)
	}
	switch {
	case sentErr != nil:
		return errors.Join(sentErr, err)
	case s.sentinel != nil:
		return d.checkRejection(s, err)
	case err != nil:
		return fmt.Errorf("want %s, have: %w", s.want, err)
	}
	fmt.Fprintln(d.w, "  "+result)
	return nil
}

// checkRejection prints err as a caller sees it, through errors.As (the first time) and
// errors.Is, and says why it is not the documented rejection, if so.
func (d *demoWalk) checkRejection(s demoStep, err error) error {
	var apiErr *client.APIError
	switch {
	case err == nil:
		return fmt.Errorf("want %s, have success", s.want)
	case !errors.As(err, &apiErr):
		return fmt.Errorf("want an *client.APIError (%s), have: %w", s.want, err)
	case !d.explained:
		d.explained = true
		fmt.Fprintf(d.w, "  err.Error() = %s\n", err)
		fmt.Fprintln(d.w, "  var apiErr *client.APIError")
		fmt.Fprintf(d.w, "  errors.As(err, &apiErr) = true: StatusCode %d, Code %d, Message %q\n", apiErr.StatusCode, apiErr.Code, apiErr.Message)
	}
	is := errors.Is(err, s.sentinel)
	fmt.Fprintf(d.w, "  errors.Is(err, client.%s) = %t\n", s.sentinelName, is)
	if !is {
		return fmt.Errorf("want %s, have: %w", s.want, err)
	}
	return nil
}

// checkBody holds a request body to want's JSON, member for member. It returns the body for
// printing, in want's member order: the client may send another (the SDK's is want's).
func checkBody(want any, sent []byte) (string, error) {
	if want == nil {
		if len(sent) > 0 {
			return fmt.Sprintf("(%d bytes)", len(sent)), fmt.Errorf("want no request body, have %d bytes", len(sent))
		}
		return "", nil
	}
	b, _ := json.Marshal(want) // cannot fail: strings and bools
	var got, exp any
	if json.Unmarshal(sent, &got) != nil || json.Unmarshal(b, &exp) != nil || !reflect.DeepEqual(got, exp) {
		return fmt.Sprintf("(%d bytes, not %s)", len(sent), b), fmt.Errorf("the request body is not %s", b)
	}
	return string(b), nil
}

// printExchange prints an exchange as curl -v would, the key redacted, and the headers only
// for an operation's first call: they do not change.
func (d *demoWalk) printExchange(s demoStep, ex wiretap.Exchange) {
	headers := !d.shown[s.method+" "+s.path]
	printHeader := func(mark string, h http.Header) {
		if ct := h.Get("Content-Type"); headers && ct != "" {
			fmt.Fprintf(d.w, "  %s Content-Type: %s\n", mark, ct)
		}
	}
	fmt.Fprintf(d.w, "  > %s %s\n", ex.Request.Method, ex.Request.URL.Path)
	if headers {
		fmt.Fprintf(d.w, "  > Authorization: %s\n", secretkey.RedactAuthorization(ex.Request.Header.Get("Authorization")))
	}
	printHeader(">", ex.Request.Header)
	if body, _ := checkBody(s.body, ex.RequestBody); body != "" {
		fmt.Fprintf(d.w, "  > %s\n", body)
	}
	if ex.Err != nil {
		fmt.Fprintf(d.w, "  < (no response: %v)\n", ex.Err)
		return
	}
	fmt.Fprintf(d.w, "  < %d %s\n", ex.Response.StatusCode, http.StatusText(ex.Response.StatusCode))
	printHeader("<", ex.Response.Header)
	if body := printable.String(string(bytes.TrimSpace(ex.ResponseBody))); body != "" {
		fmt.Fprintf(d.w, "  < %s\n", body)
	}
}

// record is the client's wiretap. It needs no lock: the client sends from the goroutine of
// the call, the step's.
func (d *demoWalk) record(ex wiretap.Exchange) { d.exchanges = append(d.exchanges, ex) }
