package cli

import "context"

const channelDisconnectHelp = `Usage: hubmessage channel disconnect --channel ID [flags]

Disconnects a META_WHATSAPP channel from its WhatsApp number, so it can be connected again or
deleted. Succeeds also when the channel was not connected.

  --channel ID             the channel: a UUID or 32 hexadecimal digits
`

func runChannelDisconnect(ctx context.Context, args []string, env Env) int {
	cmd := newChannelCmd("disconnect", channelDisconnectHelp, env)
	channelID := cmd.fs.String("channel", "", "")
	c, code := cmd.start(args, "channel")
	if c == nil {
		return code
	}
	res, err := c.DisconnectChannel(ctx, *channelID)
	if err != nil {
		return cmd.fail(err)
	}
	return cmd.done(res.ChannelID, "disconnected", res.Attempts)
}
