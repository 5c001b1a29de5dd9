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
	"github.com/hubmessage/hubmessage-go/internal/jsonobject"
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
	fields, err := jsonobject.Members(data, payloadFields...)
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
