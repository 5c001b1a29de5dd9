package mockserver

import (
	"context"
	"fmt"
	"net"

	"github.com/hubmessage/hubmessage-go/internal/httpserve"
)

// ShutdownTimeout is how long [Server.Serve] waits for requests in flight when its context
// is cancelled.
const ShutdownTimeout = httpserve.ShutdownTimeout

// DefaultMaxConns is the connection cap of [Server.Serve] without [WithMaxConns].
const DefaultMaxConns = httpserve.DefaultMaxConns

// WithMaxConns caps the connections [Server.Serve] keeps open at once. When a new one fills
// the last place, the longest idle keep-alive connection is closed, so one client holding
// every place cannot lock out the next; with none idle, further connections wait to be
// accepted. An idle connection closes after two minutes in any case.
func WithMaxConns(n int) Option {
	return func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("mockserver: WithMaxConns: %d is not positive", n)
		}
		c.maxConns = n
		return nil
	}
}

// Serve answers HTTP on ln until ctx is cancelled, then shuts down gracefully: it stops
// accepting, lets requests in flight finish (up to [ShutdownTimeout]) and returns nil. It
// closes ln. Any other error of the HTTP server is returned; the errors it survives (a failed
// accept, say) go to the server's logger ([WithLogger]).
//
// Its bounds: [WithMaxConns] connections, headers within 10 s and a whole request within two
// minutes (a body that stalls is answered 408 by the contract middleware well before), idle
// connections closed after two minutes.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	return httpserve.Serve(ctx, ln, s, httpserve.Config{MaxConns: s.maxConns, Logger: s.logger})
}
