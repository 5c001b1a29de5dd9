package cli

import (
	"context"
	"fmt"
)

// runConnect is `hubmessage connect`, kept from 1.0 as a deprecated alias of
// `hubmessage channel connect`, with the same flags.
func runConnect(ctx context.Context, args []string, env Env) int {
	fmt.Fprintln(env.Stderr, "hubmessage connect: deprecated; use 'hubmessage channel connect' (same flags)")
	return runChannelConnect(ctx, args, env)
}
