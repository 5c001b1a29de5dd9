package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/hubmessage/hubmessage-go/client"
	"github.com/hubmessage/hubmessage-go/internal/printable"
	"github.com/hubmessage/hubmessage-go/internal/secretkey"
)

// channelCommands are the `hubmessage channel` subcommands, in the order of a channel's life.
var channelCommands = []command{
	{name: "create", summary: "Create a channel (POST /v1/channels)", run: runChannelCreate},
	{name: "connect", summary: "Connect a META_WHATSAPP channel to a WhatsApp number (POST /v1/channels/{channelId}/connect)", run: runChannelConnect},
	{name: "disconnect", summary: "Disconnect a channel (PUT /v1/channels/{channelId}/disconnect)", run: runChannelDisconnect},
	{name: "delete", summary: "Delete a channel for good (DELETE /v1/channels/{channelId})", run: runChannelDelete},
}

// channelFlagsHelp ends every channel command's help.
var channelFlagsHelp = `
Flags of every channel command:
  --json                   print one JSON object on stdout: the result, or {"error": {...}}
` + fmt.Sprintf(connFlagsHelp, client.DefaultBaseURL) + `
With --json, stdout holds one object: {"channelId": ID, "<done>": true} on success, else
{"error": {"status": HTTP status, "message": the API's message, "reason": what went wrong,
"detail": the underlying error, "advice": what to do}}, each but reason only when known.
Exit status: 0 done, 1 the call failed, 2 bad usage or input (nothing was sent).
`

func runChannel(ctx context.Context, args []string, env Env) int {
	return commandSet{
		prog:  "hubmessage channel",
		about: "A channel's life: create it, connect it (META_WHATSAPP), disconnect it, delete it.",
		cmds:  channelCommands,
	}.run(ctx, args, env)
}

// channelCmd is what every channel command shares: the common flags, the client, the output.
type channelCmd struct {
	name, help string // e.g. "create", and the command's own part of its --help
	env        Env
	fs         *flag.FlagSet

	connFlags
	json           bool
	api            conn // once connected: the key, to redact output, and where it came from, for advice
	payloadOnStdin bool // connect's values came from the SDK's JSON, named as it names them
}

// flagOf names the flag that sets each request field, so that the client's validation errors
// read in the command line's terms ("--channel: must be a UUID or 32 hexadecimal digits").
var flagOf = map[string]string{"channelId": "--channel", "wabaId": "--waba", "phoneId": "--phone", "code": "--code",
	"name": "--name", "type": "--type", "cancelReason": "--reason"}

// invalid is a validation error in flag names, or in the payload's for values read from stdin.
func (c *channelCmd) invalid(v *client.ValidationError) string {
	switch f := flagOf[v.Field]; {
	case f == "--channel" || f != "" && !c.payloadOnStdin:
		return f + ": " + v.Problem
	case c.payloadOnStdin:
		return "stdin: " + v.Error()
	}
	return v.Error()
}

func newChannelCmd(name, help string, env Env) *channelCmd {
	c := &channelCmd{name: name, help: help, env: env, fs: newFlagSet("hubmessage channel " + name)}
	c.connFlags.register(c.fs)
	c.fs.BoolVar(&c.json, "json", false, "")
	return c
}

// parse parses args; false ends the command with the code returned. A flag error is always
// text: the flags are not all known, so neither is --json.
func (c *channelCmd) parse(args []string) (int, bool) {
	if err := parseArgs(c.fs, args); err != nil {
		return flagsFailed(c.env, c.fs.Name(), c.help+channelFlagsHelp, err), false
	}
	return 0, true
}

// start is parse for flags only, required ones set, then client.
func (c *channelCmd) start(args []string, required ...string) (*client.Client, int) {
	if code, ok := c.parse(args); !ok {
		return nil, code
	}
	if c.fs.NArg() > 0 {
		return nil, c.usageErr("unexpected argument %q", c.fs.Arg(0))
	}
	for _, name := range required {
		if c.fs.Lookup(name).Value.String() == "" {
			return nil, c.usageErr("--%s is required", name)
		}
	}
	return c.client()
}

// usageErr reports input that the command refuses before sending anything.
func (c *channelCmd) usageErr(format string, args ...any) int {
	return c.report(outcome{Reason: fmt.Sprintf(format, args...), Advice: "Run '" + c.fs.Name() + " --help' for usage.", exit: exitUsage})
}

// client returns the Client the flags and environment configure, or nil and the exit code
// once it reported why not, in flag names.
func (c *channelCmd) client() (*client.Client, int) {
	var err error
	if c.api, err = c.connect(c.env, client.DefaultBaseURL); err != nil {
		return nil, c.report(outcome{Reason: err.Error(), exit: exitUsage})
	}
	return c.api.client, 0
}

// done prints a success: "channel ID <verb>", or {"channelId": ID, "<verb>": true}.
func (c *channelCmd) done(channelID, verb string, attempts int) int {
	if c.json {
		return c.writeJSON(map[string]any{"channelId": channelID, verb: true}, exitOK)
	}
	fmt.Fprintf(c.env.Stdout, "channel %s %s", channelID, verb)
	if attempts > 1 {
		fmt.Fprintf(c.env.Stdout, " (after %d attempts; the earlier ones were not processed)", attempts)
	}
	fmt.Fprintln(c.env.Stdout)
	return exitOK
}

// outcome is a failure as the command reports it; --json prints it as is.
type outcome struct {
	Status  int    `json:"status,omitempty"`  // the API's HTTP status; 0 when it did not answer
	Message string `json:"message,omitempty"` // the API's message, printable
	Reason  string `json:"reason"`            // what went wrong, one statement
	Detail  string `json:"detail,omitempty"`  // why the API's answer was unusable, instead of a message
	Advice  string `json:"advice,omitempty"`  // what to do next
	exit    int    // exitUsage for bad usage or input (nothing was sent); 0 is exitFail
}

// fail reports a failed call.
func (c *channelCmd) fail(err error) int { return c.report(c.explain(err)) }

// report prints a failure, the key redacted: one line and the advice on stderr, or with
// --json one object on stdout. It returns the exit code.
func (c *channelCmd) report(o outcome) int {
	code := cmp.Or(o.exit, exitFail)
	o.Message, o.Detail, o.Reason = secretkey.Redact(o.Message, c.api.key), secretkey.Redact(o.Detail, c.api.key), secretkey.Redact(o.Reason, c.api.key)
	if c.json {
		return c.writeJSON(map[string]outcome{"error": o}, code)
	}
	line := c.fs.Name() + ": " + o.Reason
	switch {
	case o.Detail != "":
		line += " (" + o.Detail + ")"
	case o.Status != 0 && strings.ContainsRune(o.Message, ' '):
		line += fmt.Sprintf(" (%d %q)", o.Status, o.Message)
	case o.Status != 0 && o.Message != "":
		line += fmt.Sprintf(" (%d %s)", o.Status, o.Message)
	case o.Status != 0:
		line += fmt.Sprintf(" (%d)", o.Status)
	}
	fmt.Fprintln(c.env.Stderr, line)
	if o.Advice != "" {
		fmt.Fprintln(c.env.Stderr, o.Advice)
	}
	return code
}

func (c *channelCmd) writeJSON(v any, code int) int {
	b, _ := json.Marshal(v) // cannot fail: strings, ints and bools
	fmt.Fprintln(c.env.Stdout, string(b))
	return code
}

// explain turns a failed call's error into a statement in the user's words, the API's
// answer, and the next step.
func (c *channelCmd) explain(err error) outcome {
	var opErr *client.OperationError
	channelID, after := "", ""
	if errors.As(err, &opErr) {
		channelID, err = opErr.ChannelID, opErr.Err
		if opErr.Attempts > 1 {
			after = fmt.Sprintf(", after %d attempts", opErr.Attempts)
		}
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err // the URL is the base URL and the route: no news to the user
	}
	var apiErr *client.APIError
	var netErr *net.OpError
	var invalid *client.ValidationError
	switch {
	case errors.As(err, &invalid):
		return outcome{Reason: c.invalid(invalid), Advice: "Run '" + c.fs.Name() + " --help' for usage.", exit: exitUsage}
	case errors.Is(err, client.ErrInvalidInput):
		return outcome{Reason: err.Error(), Advice: "Run '" + c.fs.Name() + " --help' for usage.", exit: exitUsage}
	case errors.As(err, &apiErr):
		o := outcome{Status: apiErr.StatusCode, Message: printable.String(apiErr.Message)}
		if errors.Unwrap(apiErr) != nil { // the body was not the API's error shape
			o.Message, o.Detail = "", apiErr.Error()
		}
		o.Reason, o.Advice = c.rule(apiErr, channelID)
		o.Reason += after
		return o
	case errors.As(err, &netErr) && netErr.Op == "dial": // nothing was sent
		return outcome{Reason: "could not reach the API" + after, Detail: err.Error(), Advice: c.api.checkBaseURL()}
	case errors.Is(err, context.DeadlineExceeded):
		return outcome{Reason: "no answer from the API in time" + after, Advice: c.maybeCreated("Try again later.")}
	case errors.Is(err, context.Canceled):
		return outcome{Reason: "interrupted" + after, Advice: c.maybeCreated("")}
	}
	return outcome{Reason: "no answer from the API" + after, Detail: err.Error(), Advice: c.maybeCreated("Try again later.")}
}

// rule returns the statement and the advice for an API error.
func (c *channelCmd) rule(apiErr *client.APIError, channelID string) (reason, advice string) {
	switch {
	case errors.Is(apiErr, client.ErrCodeAlreadyUsed):
		return "the code was already used", "Run Embedded Signup again to get a new code."
	case errors.Is(apiErr, client.ErrCodeExpired):
		return "the code has expired", "Run Embedded Signup again, and connect within 30 seconds: a code lives no longer."
	case errors.Is(apiErr, client.ErrChannelType):
		return "only META_WHATSAPP channels can be connected", "Connect a channel created with --type " + string(client.ChannelTypeMetaWhatsApp) + "."
	case errors.Is(apiErr, client.ErrChannelConnected):
		return "the channel is connected", "Disconnect it first: hubmessage channel disconnect --channel " + cmp.Or(channelID, "ID")
	case errors.Is(apiErr, client.ErrActiveSubscription):
		return "the channel's subscription is active", "Cancel the subscription first; a CANCELED, TRIAL or PENDING one allows deletion."
	case errors.Is(apiErr, client.ErrEnterpriseRequired):
		return "the account lacks the ENTERPRISE role", "Creating and deleting channels needs the ENTERPRISE role: ask Hub Message to enable it for the account."
	case errors.Is(apiErr, client.ErrRejected):
		return "the API refused the request", ""
	case errors.Is(apiErr, client.ErrUnauthorized):
		return "the API did not accept the Secret Key", "Check " + c.api.keySource + ": it must hold the Secret Key from the Hub Message Security panel, not the browser SDK's Public Key."
	case errors.Is(apiErr, client.ErrChannelNotFound) && channelID != "":
		return "no channel " + channelID, "Check --channel: a deleted channel is gone for good. If every call answers 404, check --base-url."
	case errors.Is(apiErr, client.ErrChannelNotFound):
		return "the API has no such route", "Check --base-url: it is the API's root, such as " + client.DefaultBaseURL + "."
	case errors.Is(apiErr, client.ErrInvalidRequest):
		return "the API found the request invalid", ""
	case errors.Is(apiErr, client.ErrRateLimited):
		return "too many requests", "Wait a moment, then try again."
	case errors.Is(apiErr, client.ErrServiceUnavailable):
		return "the API cannot take the request now", "Try again later." // the spec: nothing was done
	case errors.Is(apiErr, client.ErrUpstream):
		return "an upstream integration (Meta) failed", c.maybeCreated("Try again later.")
	case errors.Is(apiErr, client.ErrServer):
		return "the API failed", c.maybeCreated("Try again later.")
	case errors.Is(apiErr, client.ErrUnexpectedResponse):
		return "the API answered " + http.StatusText(apiErr.StatusCode) + " but not with the success this operation documents",
			"The call may or may not have taken effect: check the channel before trying again."
	}
	return "the API answered " + http.StatusText(apiErr.StatusCode), ""
}

// maybeCreated adds, for create, that a request that reached the API may have created it.
func (c *channelCmd) maybeCreated(advice string) string {
	if c.name != "create" {
		return advice
	}
	return strings.TrimSpace(advice + " The API may have created the channel anyway: check before creating another.")
}
