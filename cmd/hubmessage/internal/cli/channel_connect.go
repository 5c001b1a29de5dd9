package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/hubmessage/hubmessage-go/client"
	"github.com/hubmessage/hubmessage-go/connecthandler"
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

// runConnect is `hubmessage connect`, kept from 1.0 as a deprecated alias.
func runConnect(ctx context.Context, args []string, env Env) int {
	fmt.Fprintln(env.Stderr, "hubmessage connect: deprecated; use 'hubmessage channel connect' (same flags)")
	return runChannelConnect(ctx, args, env)
}

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
	if rest := cmd.fs.Args(); len(rest) == 1 && rest[0] == "-" {
		*stdin = true
	} else if len(rest) > 0 {
		return cmd.usageErr("unexpected argument %q", rest[0])
	}
	for _, name := range []string{"channel", "waba", "phone", "code"} {
		if cmd.fs.Lookup(name).Value.String() == "" && (name == "channel" || !*stdin) {
			return cmd.usageErr("--%s is required", name)
		}
	}
	req := client.ConnectRequest{WabaID: *wabaID, PhoneID: *phoneID, Code: *code, Coexistence: *coexistence}
	if cmd.payloadOnStdin = *stdin; *stdin {
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
	c, exit := cmd.client()
	if c == nil {
		return exit
	}
	res, err := c.ConnectChannel(ctx, *channelID, req)
	if err != nil {
		return cmd.fail(err)
	}
	return cmd.done(res.ChannelID, "connected", res.Attempts)
}

// parsePayload reads the browser SDK's payload as a backend's handler does; the client checks
// the values.
func parsePayload(r io.Reader) (client.ConnectRequest, error) {
	data, err := readAtMost(r, maxPayloadSize)
	switch {
	case err != nil:
		return client.ConnectRequest{}, fmt.Errorf("payload: %w", err)
	case len(bytes.TrimSpace(data)) == 0:
		return client.ConnectRequest{}, errors.New(`no payload; want {"wabaId": "...", "phoneId": "...", "code": "...", "coexistence": false}`)
	}
	return connecthandler.DecodePayload(data)
}
