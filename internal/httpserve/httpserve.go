// Package httpserve runs an http.Handler on a listener within the bounds every server of the
// kit keeps: timeouts for headers, bodies, writes and idle connections, a cap on open
// connections, and the server's own logger for its errors.
package httpserve

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/net/netutil"
)

const (
	// DefaultMaxConns is the connection cap without Config.MaxConns: well under a process's
	// usual descriptor limit, and under 20 MB of buffers and goroutines when every one is idle
	// (BenchmarkProbe's idle-B/conn, both ends of loopback counted).
	DefaultMaxConns = 1000
	// ShutdownTimeout is how long Serve waits for requests in flight once ctx is cancelled.
	ShutdownTimeout = 5 * time.Second
	// IdleTimeout is how long a keep-alive connection may wait for its next request.
	IdleTimeout = 2 * time.Minute
)

// Config bounds a server; zero fields take the defaults.
type Config struct {
	// MaxConns is the most connections open at once (0: DefaultMaxConns). When a new one fills
	// the last place, the longest idle keep-alive connection is closed to free one; when none is
	// idle, further connections wait in the listener's backlog until one closes.
	MaxConns int
	// ReadTimeout bounds reading a whole request, headers and body (0: 2 minutes); writing its
	// answer may take a minute more.
	ReadTimeout time.Duration
	// Logger takes the http.Server's own errors (failed accepts, TLS handshakes, panics) at
	// level Error; nil discards them.
	Logger *slog.Logger
}

// Serve answers HTTP with h on ln until ctx is cancelled, then shuts down gracefully: it stops
// accepting, lets requests in flight finish (up to ShutdownTimeout) and returns nil. It closes
// ln. Any other error of the HTTP server is returned.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, cfg Config) error {
	conns := &conns{max: cmp.Or(cfg.MaxConns, DefaultMaxConns), idle: map[net.Conn]time.Time{}}
	read := cmp.Or(cfg.ReadTimeout, 2*time.Minute)
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: min(10*time.Second, read),
		ReadTimeout:       read,
		WriteTimeout:      read + time.Minute,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ConnState:         conns.track,
		ErrorLog:          slog.NewLogLogger(cmp.Or(cfg.Logger, slog.New(slog.DiscardHandler)).Handler(), slog.LevelError),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(netutil.LimitListener(ln, conns.max)) }()
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

// conns counts a server's open connections and when each fell idle, so that a client holding
// every place with idle keep-alive connections cannot lock out the next one.
type conns struct {
	mu   sync.Mutex
	max  int
	open int
	idle map[net.Conn]time.Time
}

// track is the server's ConnState hook.
func (cs *conns) track(c net.Conn, state http.ConnState) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	switch state {
	case http.StateNew:
		if cs.open++; cs.open >= cs.max {
			cs.closeLongestIdle()
		}
	case http.StateIdle:
		cs.idle[c] = time.Now()
	case http.StateActive:
		delete(cs.idle, c)
	case http.StateClosed, http.StateHijacked:
		delete(cs.idle, c)
		cs.open--
	}
}

// closeLongestIdle closes the connection idle the longest, if any; its place is free at once
// (LimitListener's connection releases it on Close). cs.mu must be held.
func (cs *conns) closeLongestIdle() {
	var oldest net.Conn
	var since time.Time
	for c, t := range cs.idle {
		if oldest == nil || t.Before(since) {
			oldest, since = c, t
		}
	}
	if oldest != nil {
		delete(cs.idle, oldest)
		_ = oldest.Close() // its serving goroutine sees the close and reports StateClosed
	}
}
