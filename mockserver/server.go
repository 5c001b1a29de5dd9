package mockserver

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/hubmessage/hubmessage-go/contracttest"
	"github.com/hubmessage/hubmessage-go/gen"
	"github.com/hubmessage/hubmessage-go/internal/errorbody"
	"github.com/hubmessage/hubmessage-go/internal/secretkey"
	"github.com/hubmessage/hubmessage-go/openapi"
)

// DefaultMaxBodyBytes is the body limit without [WithMaxBodyBytes]; a real one is a few hundred.
const DefaultMaxBodyBytes = 64 << 10

// Server is the reference server: an http.Handler answering the spec's operations from
// in-memory state. Create it with [New]; it is safe for concurrent use by multiple goroutines.
type Server struct {
	config               // as the options set it
	examples   *Examples // the spec's, shared by every Server
	validator  *contracttest.Validator
	operations operations   // gen's handler of each operation
	checked    http.Handler // serveValid behind contracttest's enforcing middleware
	testMux    *http.ServeMux
	own        *state // the state of secretKey, the one the Go API acts on
	ownKey     hash
	sandbox    *sandbox // nil unless WithSandbox: then every other key's state
}

// Option configures a [Server]. Options check their input and return an error.
type Option func(*config) error

type config struct {
	secretKey     string
	channels      []Channel
	subscriptions map[string]SubscriptionStatus // by canonical channel id
	enterprise    bool
	sandboxCfg    *SandboxConfig
	logger        *slog.Logger
	maxBody       int64
	maxConns      int              // 0: DefaultMaxConns
	clock         func() time.Time // each state adds its own offset
	strictCodes   bool
}

// WithSecretKey sets the Secret Key the server accepts (`Authorization: Bearer <key>`) instead of
// a random one: non-empty printable ASCII without spaces. Its error never repeats the key.
func WithSecretKey(key string) Option {
	return func(c *config) error {
		if err := secretkey.Check(key); err != nil {
			return fmt.Errorf("mockserver: WithSecretKey: %w", err)
		}
		c.secretKey = key
		return nil
	}
}

// WithChannel adds a channel to the seeded ones (see [ChannelUUID]). id must be a UUID or 32
// hexadecimal digits, as the spec's channelId; typ a known [ChannelType].
func WithChannel(id string, typ ChannelType) Option {
	return func(c *config) error {
		ch, err := newChannel(id, typ)
		if err != nil {
			return fmt.Errorf("mockserver: WithChannel: %w", err)
		}
		c.channels = append(c.channels, ch)
		return nil
	}
}

// WithSubscription sets the simulated subscription of a channel the server starts with (a
// seeded one or one of [WithChannel]), as [Server.SetSubscription] does later.
func WithSubscription(channelID string, status SubscriptionStatus) Option {
	return func(c *config) error {
		if err := checkSubscription(status); err != nil {
			return fmt.Errorf("mockserver: WithSubscription: channel %s: %w", channelID, err)
		}
		c.subscriptions[canonical(channelID)] = status
		return nil
	}
}

// WithEnterpriseRole says whether the account has the ENTERPRISE role (by default it has),
// without which create and delete answer 422. [Server.SetEnterpriseRole] changes it later.
func WithEnterpriseRole(on bool) Option {
	return func(c *config) error { c.enterprise = on; return nil }
}

// WithLogger logs to l (by default, nowhere), never a Secret Key or a code: at Debug one line
// per request (method, path template, status, duration); at Info a sandbox's new key; at Warn
// a sandbox that has become full; at Error a response that broke the contract (a bug here).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("mockserver: WithLogger: logger is nil")
		}
		c.logger = l
		return nil
	}
}

// WithMaxBodyBytes sets the largest request body accepted; larger ones are answered 413.
func WithMaxBodyBytes(n int64) Option {
	return func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("mockserver: WithMaxBodyBytes: %d is not positive", n)
		}
		c.maxBody = n
		return nil
	}
}

// New returns a Server seeded with the channels [ChannelUUID], [ChannelHex] and
// [ChannelInstagram], plus any added with [WithChannel].
func New(opts ...Option) (*Server, error) {
	cfg := config{secretKey: "sk_mock_" + randomHex(), subscriptions: map[string]SubscriptionStatus{}, enterprise: true,
		logger: slog.New(slog.DiscardHandler), maxBody: DefaultMaxBodyBytes, clock: time.Now}
	for _, opt := range opts {
		if opt == nil {
			return nil, errors.New("mockserver: New: nil Option")
		}
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	own, err := newState(&cfg)
	if err != nil {
		return nil, err
	}
	examples, err := sharedExamples()
	if err != nil {
		return nil, fmt.Errorf("mockserver: %w", err)
	}
	var vopts []contracttest.Option
	if cfg.sandboxCfg == nil { // a sandbox accepts any well-formed key: serveValid checks it
		vopts = append(vopts, contracttest.WithSecretKey(cfg.secretKey))
	}
	v, err := contracttest.New(vopts...)
	if err != nil {
		return nil, fmt.Errorf("mockserver: %w", err)
	}
	s := &Server{config: cfg, examples: examples, validator: v, operations: operations{},
		own: own, ownKey: digest(cfg.secretKey)}
	if cfg.sandboxCfg != nil {
		s.sandbox = &sandbox{config: &s.config, keys: map[hash]*state{}}
	}
	strict := gen.NewStrictHandlerWithOptions(s, nil,
		gen.StrictHTTPServerOptions{RequestErrorHandlerFunc: s.requestError, ResponseErrorHandlerFunc: s.responseError})
	gen.HandlerWithOptions(strict, gen.StdHTTPServerOptions{BaseRouter: s.operations, ErrorHandlerFunc: s.requestError})
	s.checked = v.Middleware(http.HandlerFunc(s.serveValid), contracttest.WithMaxBody(s.maxBody),
		contracttest.OnViolation(s.logResponseViolations))
	s.testMux = s.testEndpoints()
	return s, nil
}

// sharedExamples are the embedded spec's example responses, read once for every Server.
var sharedExamples = sync.OnceValues(func() (*Examples, error) {
	doc, err := openapi.Spec()
	if err != nil {
		return nil, err
	}
	return NewExamples(doc)
})

// operations is gen's BaseRouter: it holds gen's handler of each operation by its pattern,
// "METHOD /path/{template}", so that serveValid calls the one for the route contracttest's
// middleware found (whose request carries the path parameters), without routing again.
type operations map[string]http.HandlerFunc

func (o operations) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	o[pattern] = h
}

// ServeHTTP is never called: it makes operations a gen.ServeMux.
func (o operations) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	errorbody.Write(w, http.StatusNotFound, msgNoSuchEndpoint)
}

func (s *Server) requestError(w http.ResponseWriter, _ *http.Request, err error) {
	errorbody.Write(w, http.StatusBadRequest, err.Error())
}

func (s *Server) responseError(w http.ResponseWriter, r *http.Request, err error) {
	s.logger.LogAttrs(r.Context(), slog.LevelError, "response error", slog.String("error", err.Error()))
	errorbody.Write(w, http.StatusInternalServerError, msgInternal)
}

// randomHex is 32 random lower-case hexadecimal digits.
func randomHex() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}

// SecretKey returns the Secret Key the server accepts, given with [WithSecretKey] or generated.
func (s *Server) SecretKey() string { return s.secretKey }

// String describes the server without its Secret Key, so %v of a Server never shows it.
func (s *Server) String() string {
	n, mode := len(s.Channels()), ""
	if s.sandbox != nil {
		mode = ", sandbox"
	}
	return fmt.Sprintf("mockserver.Server{SecretKey: [REDACTED], channels: %d%s}", n, mode)
}

// GoString is String, for %#v.
func (s *Server) GoString() string { return s.String() }

// ServeHTTP answers r. contracttest's middleware checks the request against the spec first
// (404, 405, 413, 408, 401, 400) and the response after (one the spec does not document
// becomes a 500). In between, in this order: in sandbox mode a malformed key (401); a Prefer
// header, answered by [Examples] with no state read or changed (no sandbox key's started)
// and, unlike a queued 503, no Retry-After; the sandbox key's state (503 when full); a queued
// answer ([Server.QueueResponses]); the operation's method. The test-only endpoints under
// /_mock/ are not the spec's and bypass it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.logger.Enabled(r.Context(), slog.LevelDebug) {
		s.serve(w, r)
		return
	}
	start, rec := time.Now(), &statusRecorder{ResponseWriter: w}
	s.serve(rec, r)
	s.logger.LogAttrs(r.Context(), slog.LevelDebug, "request", slog.String("method", r.Method), slog.String("path", s.logPath(r)),
		slog.Int("status", cmp.Or(rec.status, http.StatusOK)), slog.Duration("duration", time.Since(start)))
}

// serve answers r: 404 for a path not in canonical form, else a test endpoint or the API.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	escaped := r.URL.EscapedPath()
	switch {
	case escaped == "" || escaped[0] != '/' || path.Clean(escaped) != escaped:
		errorbody.Write(w, http.StatusNotFound, msgNoSuchEndpoint)
	case strings.HasPrefix(escaped, testPrefix): // outside the spec: never through its middleware
		s.testMux.ServeHTTP(w, r)
	default:
		s.checked.ServeHTTP(w, r)
	}
}

// logPath is what a log line shows of r's path, never the path itself, which may hold
// anything: a test endpoint's, or the path template of the route (for any method).
func (s *Server) logPath(r *http.Request) string {
	if _, pattern := s.testMux.Handler(r); strings.HasPrefix(r.URL.Path, testPrefix) && pattern != testPrefix {
		return pattern[strings.Index(pattern, "/"):]
	}
	probe := r.Clone(r.Context())
	for _, m := range append([]string{r.Method}, s.validator.AllowedMethods(r)...) {
		probe.Method = m
		if route, err := s.validator.FindRoute(probe); err == nil {
			return route.Path()
		}
	}
	return "(unmatched)"
}

// serveValid answers a request the contract middleware accepted (see [Server.ServeHTTP]).
func (s *Server) serveValid(w http.ResponseWriter, r *http.Request) {
	key := bearer(r)
	if key == "" && s.sandbox != nil { // a sandbox's middleware accepts any bearer token
		errorbody.Write(w, http.StatusUnauthorized, msgUnauthorized)
		return
	}
	if pref, err := parsePrefer(r.Header.Values("Prefer")); err != nil || pref.set() {
		s.examples.ServeHTTP(w, r)
		return
	}
	st := s.own
	if s.sandbox != nil {
		if st = s.keyState(w, r, key); st == nil {
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
	}
	route := contracttest.RouteOf(r)
	if ex, ok := st.dequeue(route); ok {
		if ex.retryAfter {
			w.Header().Set("Retry-After", queuedRetryAfter)
		}
		ex.write(w)
		return
	}
	s.operations[route.Method()+" "+route.Path()](w, r)
}

// bearer is the request's Secret Key, or "" when it sends none or a malformed one.
func bearer(r *http.Request) string {
	scheme, key, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || secretkey.Check(key) != nil {
		return ""
	}
	return key
}

// logResponseViolations logs a response that broke the contract (a bug here), now a 500.
func (s *Server) logResponseViolations(vs contracttest.Violations) {
	if len(vs) > 0 && vs[0].Side == contracttest.Response {
		s.logger.LogAttrs(context.Background(), slog.LevelError, "response breaks the contract", slog.String("violations", vs.Error()))
	}
}

// statusRecorder remembers the status written, for the log line; 0 is 200.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = cmp.Or(r.status, status)
	r.ResponseWriter.WriteHeader(status)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
