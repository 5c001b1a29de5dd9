package mockserver

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// ShutdownTimeout is how long [Server.Serve] waits for requests in flight when its context
// is cancelled.
const ShutdownTimeout = 5 * time.Second

// Serve answers HTTP on ln until ctx is cancelled, then shuts down gracefully: it stops
// accepting, lets requests in flight finish (up to [ShutdownTimeout]) and returns nil. It
// closes ln. Any other error of the HTTP server is returned.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		// A body that stalls is the contract middleware's to answer, in the spec's shape. The
		// connection's own read deadline is only a backstop, well after the middleware's, and
		// the write deadline outlasts it so that even then the answer can be written.
		ReadTimeout:    2 * time.Minute,
		WriteTimeout:   3 * time.Minute,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		BaseContext:    func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownTimeout)
	defer cancel()
	err := hs.Shutdown(shutdownCtx)
	if serveErr := <-served; !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
		err = serveErr
	}
	return err
}
