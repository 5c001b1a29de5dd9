package cli

import (
	"context"

	"github.com/hubmessage/hubmessage-go/client"
)

const channelDeleteHelp = `Usage: hubmessage channel delete --channel ID [--reason TEXT] [flags]

Deletes a channel for good: afterwards every command on its ID answers 404. Needs the
account's ENTERPRISE role. Refused while the channel is connected (disconnect it first) or
while its subscription is active.

  --channel ID             the channel: a UUID or 32 hexadecimal digits
  --reason TEXT            why, for auditing (at most 4096 characters); optional
`

func runChannelDelete(ctx context.Context, args []string, env Env) int {
	cmd := newChannelCmd("delete", channelDeleteHelp, env)
	channelID := cmd.fs.String("channel", "", "")
	reason := cmd.fs.String("reason", "", "")
	c, code := cmd.start(args, "channel")
	if c == nil {
		return code
	}
	res, err := c.DeleteChannel(ctx, *channelID, &client.DeleteOptions{Reason: *reason})
	if err != nil {
		return cmd.fail(err)
	}
	return cmd.done(res.ChannelID, "deleted", res.Attempts)
}
