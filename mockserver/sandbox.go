package mockserver

import (
	"cmp"
	"context"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/hubmessage/hubmessage-go/gen"
	"github.com/hubmessage/hubmessage-go/internal/errorbody"
)

// Sandbox defaults, for a [SandboxConfig] field left zero.
const (
	DefaultSandboxMaxKeys     = 1000
	DefaultSandboxIdleTimeout = 15 * time.Minute
	DefaultSandboxMaxChannels = 100
	DefaultSandboxMaxCodes    = 1000
)

// SandboxConfig bounds a shared sandbox (see [WithSandbox]).
type SandboxConfig struct {
	// MaxKeys is the most Secret Keys the sandbox keeps a state for at once; a request with a
	// further key is answered 503 with Retry-After, the seconds until the least recently
	// used key expires. 0 means [DefaultSandboxMaxKeys].
	MaxKeys int
	// IdleTimeout is how long a key's state lives after its last request, on the server's
	// clock ([WithClock], without any key's AdvanceClock offset); the key then starts afresh
	// and frees its place. 0 means [DefaultSandboxIdleTimeout].
	IdleTimeout time.Duration
	// MaxChannels is the most channels one key's state holds: past it, create answers 503 with
	// Retry-After, the idle timeout. A deleted channel frees its place. 0 means
	// [DefaultSandboxMaxChannels].
	MaxChannels int
	// MaxCodes is the most codes one key's state remembers as used: past it, a connect that
	// would use one more answers 503 with Retry-After, the idle timeout. 0 means
	// [DefaultSandboxMaxCodes]. (Queued answers are bounded per key by [MaxQueuedResponses].)
	MaxCodes int
}

// WithSandbox makes the server a shared sandbox, for many CI jobs at once: it accepts any
// well-formed Secret Key and keeps a separate state per key (channels, codes, role,
// subscriptions, clock offset, queued answers), each starting as the other options set it,
// so no key sees another's. cfg bounds the memory: at most MaxKeys states of at most
// MaxChannels channels and MaxCodes used codes each. Keys are held only as SHA-256 digests.
// The Go API acts on the server's own key ([Server.SecretKey]), which never expires and is
// bounded by none of these: it is the operator's.
func WithSandbox(cfg SandboxConfig) Option {
	return func(c *config) error {
		cfg := cfg // each server its own: one Option may configure several at once
		if cfg.MaxKeys < 0 || cfg.IdleTimeout < 0 || cfg.MaxChannels < 0 || cfg.MaxCodes < 0 {
			return fmt.Errorf("mockserver: WithSandbox: %+v: a bound is negative", cfg)
		}
		cfg.MaxKeys, cfg.IdleTimeout = cmp.Or(cfg.MaxKeys, DefaultSandboxMaxKeys), cmp.Or(cfg.IdleTimeout, DefaultSandboxIdleTimeout)
		cfg.MaxChannels, cfg.MaxCodes = cmp.Or(cfg.MaxChannels, DefaultSandboxMaxChannels), cmp.Or(cfg.MaxCodes, DefaultSandboxMaxCodes)
		c.sandboxCfg = &cfg
		return nil
	}
}

// sandbox holds one state per Secret Key, each new one built from cfg, as the server's own.
type sandbox struct {
	*config
	mu   sync.Mutex
	keys map[hash]*state
}

// state returns the state of the key with digest d, starting one if it has none (or it
// expired); when the sandbox is full it answers the spec's 503 and returns nil.
func (sb *sandbox) state(w http.ResponseWriter, r *http.Request, d hash, now time.Time) *state {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	if st, found := sb.keys[d]; found {
		if now.Sub(st.lastUsed) < sb.sandboxCfg.IdleTimeout {
			st.lastUsed = now
			return st
		}
		delete(sb.keys, d) // expired: the key starts afresh, in its own place
	}
	if len(sb.keys) >= sb.sandboxCfg.MaxKeys { // drop the expired states; if none, wait for the first
		wait := sb.sandboxCfg.IdleTimeout
		for k, st := range sb.keys {
			if left := st.lastUsed.Add(sb.sandboxCfg.IdleTimeout).Sub(now); left <= 0 {
				delete(sb.keys, k)
			} else {
				wait = min(wait, left)
			}
		}
		if len(sb.keys) >= sb.sandboxCfg.MaxKeys {
			secs := int(max(time.Second, wait+time.Second-1) / time.Second)
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			errorbody.Write(w, http.StatusServiceUnavailable, fmt.Sprintf(
				"sandbox is full: %d Secret Keys active; retry after %ds, when the least recently used one expires", len(sb.keys), secs))
			return nil
		}
	}
	st, _ := newState(sb.config) // cannot fail: New built the server's own state from it
	st.limits, st.lastUsed, sb.keys[d] = sb.sandboxCfg, now, st
	sb.logger.LogAttrs(r.Context(), slog.LevelInfo, "sandbox: a new Secret Key, with a state of its own",
		slog.Int("keys", len(sb.keys)), slog.Int("max_keys", sb.sandboxCfg.MaxKeys))
	if len(sb.keys) == sb.sandboxCfg.MaxKeys {
		sb.logger.LogAttrs(r.Context(), slog.LevelWarn, "sandbox is full: new keys are answered 503 until a key is idle for the idle timeout",
			slog.Int("keys", len(sb.keys)), slog.Duration("idle_timeout", sb.sandboxCfg.IdleTimeout))
	}
	return st
}

// stateKey is the context key of the request's state.
type stateKey struct{}

// stateFor is the state a request acts on: the one serveValid put in ctx, else the server's own.
func (s *Server) stateFor(ctx context.Context) *state {
	if st, ok := ctx.Value(stateKey{}).(*state); ok {
		return st
	}
	return s.own
}

// keyState is the state the Secret Key key acts on: the server's own key's, or in sandbox
// mode any well-formed key's. On nil the answer (401, 503) is written.
func (s *Server) keyState(w http.ResponseWriter, r *http.Request, key string) *state {
	d := digest(key)
	switch {
	case key != "" && subtle.ConstantTimeCompare(d[:], s.ownKey[:]) == 1:
		return s.own
	case key == "" || s.sandbox == nil:
		errorbody.Write(w, http.StatusUnauthorized, msgUnauthorized)
		return nil
	}
	return s.sandbox.state(w, r, d, s.clock())
}

// full is the 503 of a sandbox key's state that holds as many of what as it may. Nothing was
// done; the state starts afresh once idle for the idle timeout.
func (st *state) full(what string, limit int) gen.ServiceUnavailableJSONResponse {
	secs := strconv.Itoa(int(st.limits.IdleTimeout / time.Second))
	return gen.ServiceUnavailableJSONResponse{
		Body: apiError(http.StatusServiceUnavailable, fmt.Sprintf("this Secret Key holds %d %s, the most a sandbox key may; its state starts afresh after %v without a request",
			limit, what, st.limits.IdleTimeout)),
		Headers: gen.ServiceUnavailableResponseHeaders{RetryAfter: &secs},
	}
}
