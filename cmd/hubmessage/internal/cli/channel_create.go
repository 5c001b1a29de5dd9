package cli

import (
	"context"
	"strings"

	"github.com/hubmessage/hubmessage-go/client"
)

const channelCreateHelp = `Usage: hubmessage channel create --name NAME --type TYPE [flags]

Creates a channel and prints its ID, the --channel of the other commands. Needs the
account's ENTERPRISE role. Not idempotent: every request that reaches the API creates a
channel, so a failed call is never retried once it may have been sent.

  --name NAME              the channel's display name (1 to 1024 characters)
  --type TYPE              META_WHATSAPP (the only type connect takes), META_INSTAGRAM,
                           META_MESSENGER or BOT_TELEGRAM
`

func runChannelCreate(ctx context.Context, args []string, env Env) int {
	cmd := newChannelCmd("create", channelCreateHelp, env)
	name := cmd.fs.String("name", "", "")
	typ := cmd.fs.String("type", "", "")
	c, code := cmd.start(args, "name") // the client checks --type, listing the spec's types
	if c == nil {
		return code
	}
	res, err := c.CreateChannel(ctx, client.CreateChannelRequest{Name: *name, Type: client.ChannelType(strings.ToUpper(*typ))})
	if err != nil {
		return cmd.fail(err)
	}
	return cmd.done(res.ChannelID, "created", res.Attempts)
}
