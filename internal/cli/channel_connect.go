package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/hubmessage/hubmessage-go/client"
)

// maxPayloadSize bounds the SDK payload read from stdin; a real one is well under 1 KiB.
const maxPayloadSize = 64 << 10

const channelConnectHelp = `Usage: hubmessage channel connect --channel ID --waba ID --phone ID --code CODE [--coexistence] [flags]
       hubmessage channel connect --channel ID -     (the SDK's JSON payload on stdin; or --stdin)

Connects a META_WHATSAPP channel to the WhatsApp Business number picked in Embedded Signup.
The code is single-use and lives about 30 seconds: a call that may have reached the API is
never repeated.

  --channel ID             the channel: a UUID or 32 hexadecimal digits
  --waba ID                the WhatsApp Business Account ID (wabaId): decimal digits
  --phone ID               the phone number ID (phoneId): decimal digits
  --code CODE              Embedded Signup's code
  --coexistence            the number stays in use in the WhatsApp Business app as well
  --stdin, -               read the SDK's payload {"wabaId", "phoneId", "code", "coexistence"}
                           from stdin instead of --waba, --phone, --code and --coexistence
`

func runChannelConnect(ctx context.Context, args []string, env Env) int {
	cmd := newChannelCmd("connect", channelConnectHelp, env)
	var (
		channelID   = cmd.fs.String("channel", "", "")
		wabaID      = cmd.fs.String("waba", "", "")
		phoneID     = cmd.fs.String("phone", "", "")
		code        = cmd.fs.String("code", "", "")
		coexistence = cmd.fs.Bool("coexistence", false, "")
		stdin       = cmd.fs.Bool("stdin", false, "")
	)
	if code, ok := cmd.parse(args); !ok {
		return code
	}
	switch rest := cmd.fs.Args(); {
	case len(rest) == 1 && rest[0] == "-":
		*stdin = true
	case len(rest) > 0:
		return cmd.usageErr("unexpected argument %q", rest[0])
	}
	if *channelID == "" {
		return cmd.usageErr("--channel is required")
	}

	req := client.ConnectRequest{WabaID: *wabaID, PhoneID: *phoneID, Code: *code, Coexistence: *coexistence}
	if *stdin {
		var set []string
		cmd.fs.Visit(func(f *flag.Flag) {
			if slices.Contains([]string{"waba", "phone", "code", "coexistence"}, f.Name) {
				set = append(set, "--"+f.Name)
			}
		})
		if len(set) > 0 {
			return cmd.usageErr("%s cannot be combined with a payload on stdin", strings.Join(set, ", "))
		}
		var err error
		if req, err = parsePayload(env.Stdin); err != nil {
			return cmd.usageErr("stdin: %v", err)
		}
	}

	c, exit, ok := cmd.client()
	if !ok {
		return exit
	}
	res, err := c.ConnectChannel(ctx, *channelID, req)
	if err != nil {
		return cmd.fail(err)
	}
	return cmd.done(res.ChannelID, "connected", res.Attempts)
}

// objectFields splits data, which must be exactly one JSON object, into its members. Unknown
// and repeated keys are errors: a payload that is not the SDK's is better refused than guessed.
func objectFields(data []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		if err != nil {
			return nil, fmt.Errorf("not a JSON object: %w", err)
		}
		return nil, fmt.Errorf("not a JSON object but %s", jsonKind(tok))
	}
	fields := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("not a JSON object: %w", err)
		}
		name := tok.(string) // object keys are always strings
		if !slices.Contains(payloadFields, name) {
			return nil, fmt.Errorf("unknown field %q; want only %s", name, strings.Join(payloadFields, ", "))
		}
		if _, dup := fields[name]; dup {
			return nil, fmt.Errorf("field %q appears twice", name)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("not a JSON object: %w", err)
		}
		fields[name] = raw
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the JSON object")
	}
	return fields, nil
}

func jsonKind(tok json.Token) string {
	switch tok.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case float64, json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "an array"
}

// payloadFields are the SDK payload's keys, exactly as the SDK spells them.
var payloadFields = []string{"wabaId", "phoneId", "code", "coexistence"}

// parsePayload reads the browser SDK's payload: one JSON object holding exactly wabaId,
// phoneId and code (strings) and coexistence (a boolean). Field values are checked later,
// against the spec, by the client.
func parsePayload(r io.Reader) (client.ConnectRequest, error) {
	var req client.ConnectRequest
	data, err := io.ReadAll(io.LimitReader(r, maxPayloadSize+1))
	if err != nil {
		return req, err
	}
	if len(data) > maxPayloadSize {
		return req, fmt.Errorf("payload is larger than %d bytes", maxPayloadSize)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return req, errors.New(`no payload; want {"wabaId": "...", "phoneId": "...", "code": "...", "coexistence": false}`)
	}
	fields, err := objectFields(data)
	if err != nil {
		return req, err
	}
	str := func(name string, dst *string) error {
		raw, ok := fields[name]
		if !ok {
			return fmt.Errorf("missing %q", name)
		}
		if !bytes.HasPrefix(raw, []byte(`"`)) || json.Unmarshal(raw, dst) != nil {
			return fmt.Errorf("%q must be a string", name)
		}
		return nil
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"wabaId", &req.WabaID}, {"phoneId", &req.PhoneID}, {"code", &req.Code}} {
		if err := str(f.name, f.dst); err != nil {
			return req, err
		}
	}
	raw, ok := fields["coexistence"]
	if !ok {
		return req, errors.New(`missing "coexistence"`)
	}
	if s := string(raw); s != "true" && s != "false" {
		return req, errors.New(`"coexistence" must be true or false`)
	}
	req.Coexistence = string(raw) == "true"
	return req, nil
}
