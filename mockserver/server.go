package mockserver

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/hubmessage/hubmessage-go/contracttest"
	"github.com/hubmessage/hubmessage-go/gen"
	"github.com/hubmessage/hubmessage-go/internal/errorbody"
	"github.com/hubmessage/hubmessage-go/internal/secretkey"
	"github.com/hubmessage/hubmessage-go/openapi"
)

// DefaultMaxBodyBytes is the request body limit unless [WithMaxBodyBytes] says otherwise.
// The real payload is a few hundred bytes; a larger body is answered 413.
const DefaultMaxBodyBytes = 64 << 10

// Server is the reference server: an http.Handler answering the spec's operations from
// in-memory state. Create it with [New]; it is safe for concurrent use by multiple goroutines.
type Server struct {
	secretKey string
	spec      *specInfo // shared by every Server
	validator *contracttest.Validator
	handler   http.Handler // gen's strict handler
	checked   http.Handler // serveValid behind contracttest's enforcing middleware
	logger    *slog.Logger
	maxBody   int64
	clock     func() time.Time // WithClock's; each state adds its own offset
	strict    bool             // WithStrictCodes

	own     *state   // the state of secretKey, the one the Go API acts on
	sandbox *sandbox // nil unless WithSandbox: then every other key's state
	ownKey  keyDigest
}

var _ gen.StrictServerInterface = (*Server)(nil)

// discardLogger is the logger of a Server given none.
var discardLogger = slog.New(slog.DiscardHandler)

// Option configures a [Server]. Options check their input and return an error.
type Option func(*config) error

type config struct {
	secretKey     string
	channels      []Channel
	subscriptions map[string]SubscriptionStatus // by canonical channel id
	enterprise    bool
	sandbox       *SandboxConfig
	logger        *slog.Logger
	maxBody       int64
	clock         func() time.Time
	strictCodes   bool
}

// WithSecretKey sets the Secret Key the server accepts as `Authorization: Bearer <key>`.
// Without it, New generates a random one (see [Server.SecretKey]). The key must be non-empty
// printable ASCII without spaces (see secretkey.Check); the error never repeats it.
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
		if c.subscriptions == nil {
			c.subscriptions = map[string]SubscriptionStatus{}
		}
		c.subscriptions[canonical(channelID)] = status
		return nil
	}
}

// WithEnterpriseRole says whether the account has the ENTERPRISE role (by default it has).
// Without it, create answers 422 "This action requires ENTERPRISE role" and delete 422
// "Channel deletion requires ENTERPRISE role", as the vendor documents.
// [Server.SetEnterpriseRole] changes it later.
func WithEnterpriseRole(on bool) Option {
	return func(c *config) error {
		c.enterprise = on
		return nil
	}
}

// WithLogger logs to l: one line per request at level Debug (method, path template, status,
// duration); at Info a sandbox's new key; at Warn a sandbox that has become full; at Error a
// response that broke the contract (a bug here). By default nothing is logged.
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
	cfg := config{maxBody: DefaultMaxBodyBytes, logger: discardLogger, enterprise: true, clock: time.Now}
	for _, opt := range opts {
		if opt == nil {
			return nil, errors.New("mockserver: New: nil Option")
		}
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	if err := cfg.checkChannels(); err != nil {
		return nil, err
	}
	if cfg.secretKey == "" {
		cfg.secretKey = generateSecretKey()
	}
	spec, err := sharedSpec()
	if err != nil {
		return nil, fmt.Errorf("mockserver: %w", err)
	}
	var vopts []contracttest.Option
	if cfg.sandbox == nil { // a sandbox accepts any well-formed key: serveValid checks it
		vopts = append(vopts, contracttest.WithSecretKey(cfg.secretKey))
	}
	v, err := contracttest.NewForSpec(spec.doc, vopts...)
	if err != nil {
		return nil, fmt.Errorf("mockserver: %w", err)
	}
	s := &Server{
		secretKey: cfg.secretKey,
		spec:      spec,
		validator: v,
		logger:    cfg.logger,
		maxBody:   cfg.maxBody,
		clock:     cfg.clock,
		strict:    cfg.strictCodes,
		own:       newState(&cfg),
		ownKey:    sha256.Sum256([]byte(cfg.secretKey)),
	}
	if cfg.sandbox != nil {
		s.sandbox = newSandbox(*cfg.sandbox, func() *state { return newState(&cfg) }, cfg.logger)
	}
	s.handler = s.generatedHandler()
	s.checked = v.Middleware(http.HandlerFunc(s.serveValid),
		contracttest.WithMaxBody(s.maxBody), contracttest.WithRejectFunc(s.reject))
	return s, nil
}

// checkChannels refuses a WithChannel id given twice (or a seeded one) and a WithSubscription
// for a channel the server does not start with.
func (c *config) checkChannels() error {
	ids := map[string]bool{}
	for _, ch := range append(seedChannels(), c.channels...) {
		if ids[canonical(ch.ID)] {
			return fmt.Errorf("mockserver: WithChannel: channel %s already exists", ch.ID)
		}
		ids[canonical(ch.ID)] = true
	}
	for id := range c.subscriptions {
		if !ids[id] {
			return fmt.Errorf("mockserver: WithSubscription: no channel %q (seed it, or add it with WithChannel)", id)
		}
	}
	return nil
}

// specInfo is what every Server reads from the embedded spec: immutable, so built once.
type specInfo struct {
	doc       *openapi3.T
	examples  map[string]*operationExamples // by operationId
	templates map[string]string             // path template by operationId
}

var sharedSpec = sync.OnceValues(func() (*specInfo, error) {
	doc, err := openapi.Spec()
	if err != nil {
		return nil, err
	}
	examples, templates, err := readExamples(doc)
	if err != nil {
		return nil, err
	}
	if err := checkTestPrefix(templates); err != nil {
		return nil, err
	}
	return &specInfo{doc: doc, examples: examples, templates: templates}, nil
})

// generatedHandler is gen's strict handler on s, with every error path of the generated
// wrapper answering in the spec's error shape.
func (s *Server) generatedHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		errorbody.Write(w, http.StatusNotFound, msgNoSuchEndpoint)
	})
	strict := gen.NewStrictHandlerWithOptions(s, nil, gen.StrictHTTPServerOptions{
		RequestErrorHandlerFunc:  s.requestError,
		ResponseErrorHandlerFunc: s.responseError,
	})
	return gen.HandlerWithOptions(strict, gen.StdHTTPServerOptions{BaseRouter: mux, ErrorHandlerFunc: s.requestError})
}

func (s *Server) requestError(w http.ResponseWriter, _ *http.Request, err error) {
	errorbody.Write(w, http.StatusBadRequest, err.Error())
}

func (s *Server) responseError(w http.ResponseWriter, r *http.Request, err error) {
	s.logger.LogAttrs(r.Context(), slog.LevelError, "response error", slog.String("error", err.Error()))
	errorbody.Write(w, http.StatusInternalServerError, msgInternal)
}

func generateSecretKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return "sk_mock_" + hex.EncodeToString(b)
}

// SecretKey returns the Secret Key the server accepts: the one given with [WithSecretKey]
// or the one New generated.
func (s *Server) SecretKey() string { return s.secretKey }

// String describes the server without its Secret Key, so %v of a Server never shows it.
func (s *Server) String() string {
	s.own.mu.Lock()
	n := len(s.own.channels)
	s.own.mu.Unlock()
	mode := ""
	if s.sandbox != nil {
		mode = ", sandbox"
	}
	return fmt.Sprintf("mockserver.Server{SecretKey: [REDACTED], channels: %d%s}", n, mode)
}

// GoString is String, for %#v.
func (s *Server) GoString() string { return s.String() }

// ServeHTTP answers r. contracttest's middleware checks the request against the spec first
// (404, 405, 413, 401, 400, all in the spec's error shape) and the response after (a response
// the spec does not document becomes a 500); in between come the Prefer header, a queued
// answer and the operation itself. The test-only endpoints under /_mock/ are not the spec's
// and bypass it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.logger.Enabled(r.Context(), slog.LevelDebug) {
		s.serve(w, r)
		return
	}
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w}
	template := unmatched
	if s.serve(rec, r) {
		template = s.template(r)
	}
	s.logger.LogAttrs(r.Context(), slog.LevelDebug, "request",
		slog.String("method", r.Method),
		slog.String("path", template),
		slog.Int("status", rec.status),
		slog.Duration("duration", time.Since(start)))
}

// unmatched is what the logs show as path template when no route matched.
const unmatched = "(unmatched)"

// serve answers r; routed is false when its path is not even in canonical form.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) (routed bool) {
	escaped := r.URL.EscapedPath()
	if escaped == "" || escaped[0] != '/' || path.Clean(escaped) != escaped {
		errorbody.Write(w, http.StatusNotFound, msgNoSuchEndpoint)
		return false
	}
	if strings.HasPrefix(escaped, testPrefix) { // outside the spec: never through its middleware
		s.serveTest(w, r)
		return true
	}
	s.checked.ServeHTTP(w, r)
	return true
}

// template is r's path template for the logs: the matched operation's, or for a method the
// path does not allow, the path's.
func (s *Server) template(r *http.Request) string {
	if _, ok := testEndpoints[r.URL.EscapedPath()]; ok {
		return r.URL.EscapedPath()
	}
	route, err := s.validator.FindRoute(r)
	if err == nil {
		return s.spec.templates[route.OperationID()]
	}
	for _, m := range s.validator.AllowedMethods(r) {
		probe := r.Clone(r.Context())
		probe.Method = m
		if route, err := s.validator.FindRoute(probe); err == nil {
			return s.spec.templates[route.OperationID()]
		}
	}
	return unmatched
}

// serveValid answers a request the contract middleware accepted: in sandbox mode the key's
// form, then the Prefer header, then the key's state (503 when the sandbox is full), then a
// queued response (QueueResponses), then the operation itself, through gen's strict handler
// and so the Server's method for it.
func (s *Server) serveValid(w http.ResponseWriter, r *http.Request) {
	route, err := s.validator.FindRoute(r)
	if err != nil { // the middleware lets no such request through
		errorbody.Write(w, http.StatusNotFound, msgNoSuchEndpoint)
		return
	}
	var key string
	if s.sandbox != nil {
		_, key, _ = strings.Cut(r.Header.Get("Authorization"), " ") // "Bearer <key>", as validated
		if secretkey.Check(key) != nil {
			errorbody.Write(w, http.StatusUnauthorized, msgUnauthorized)
			return
		}
	}
	if pref, err := parsePrefer(r.Header.Values("Prefer")); err != nil {
		errorbody.Write(w, http.StatusBadRequest, err.Error())
		return
	} else if pref.set() {
		ex, err := s.spec.examples[route.OperationID()].pick(pref)
		if err != nil {
			errorbody.Write(w, http.StatusBadRequest, err.Error())
			return
		}
		ex.write(w)
		return
	}
	st := s.own
	if s.sandbox != nil {
		if d := keyDigest(sha256.Sum256([]byte(key))); d != s.ownKey {
			var keys int
			var retry time.Duration
			if st, keys, retry = s.sandbox.state(r.Context(), d, s.clock()); st == nil {
				writeFull(w, keys, retry)
				return
			}
			r = r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
		}
	}
	op := route.OperationID()
	channel := func() string { return canonical(pathParam(s.spec.templates[op], r.URL.EscapedPath(), channelParam)) }
	if ex, ok := st.dequeue(op, channel); ok {
		writeQueued(w, ex)
		return
	}
	if err := exactBody(r); err != nil {
		errorbody.Write(w, http.StatusBadRequest, "request body: "+err.Error())
		return
	}
	s.handler.ServeHTTP(w, r)
}

// exactBody makes gen's strict handler bind r's JSON body with member names matched exactly,
// as the validator reads them: encoding/json alone would bind "CODE" to the field code. The
// body becomes one carrying its decoded value (kin-openapi's ValidatedValue), which
// oapi-codegen's runtime.BindJSONBody binds by exact name. A body that is not JSON is left
// for the strict handler to reject.
func exactBody(r *http.Request) error {
	if r.Body == nil { // a request made for ServeHTTP directly, as net/http never passes one
		r.Body = http.NoBody
	}
	if r.Body == http.NoBody {
		return nil
	}
	data, err := io.ReadAll(r.Body) // the middleware has already read it, within the limit
	r.Body.Close()
	if err != nil {
		return err
	}
	rd := bytes.NewReader(data)
	dec := json.NewDecoder(rd)
	dec.UseNumber()
	var value any
	ok := dec.Decode(&value) == nil
	rd.Reset(data) // for the handler, from the start
	if ok {
		r.Body = &decodedBody{ReadCloser: io.NopCloser(rd), value: value}
	} else {
		r.Body = io.NopCloser(rd)
	}
	return nil
}

// decodedBody is a request body with its decoded JSON value.
type decodedBody struct {
	io.ReadCloser
	value any
}

// ValidatedValue is the interface runtime.BindJSONBody looks for.
func (b *decodedBody) ValidatedValue() any { return b.value }

// reject writes the contract middleware's rejections in the spec's error shape: 401 says no
// more than "Unauthorized" whatever else is wrong; 400 (and any other client error, such as
// a body that stops arriving) names every location; a 500 means the server's own response
// broke the contract.
func (s *Server) reject(w http.ResponseWriter, r *http.Request, status int, vs contracttest.Violations) {
	switch {
	case status == http.StatusNotFound:
		errorbody.Write(w, status, msgNoSuchEndpoint)
	case status == http.StatusMethodNotAllowed:
		errorbody.Write(w, status, fmt.Sprintf("method %s is not allowed here; allowed: %s", r.Method, w.Header().Get("Allow")))
	case status == http.StatusRequestEntityTooLarge:
		errorbody.Write(w, status, fmt.Sprintf("request body: larger than %d bytes", s.maxBody))
	case status == http.StatusUnauthorized:
		errorbody.Write(w, status, msgUnauthorized)
	case status >= 400 && status < 500:
		parts := make([]string, 0, len(vs))
		for _, v := range vs {
			parts = append(parts, v.Location+": "+v.Reason)
		}
		if len(parts) == 0 {
			parts = append(parts, http.StatusText(status))
		}
		errorbody.Write(w, status, strings.Join(parts, "; "))
	default: // the handler's own response broke the contract: a bug here, reported as such
		s.logger.LogAttrs(r.Context(), slog.LevelError, "response breaks the contract", slog.String("violations", vs.Error()))
		errorbody.Write(w, http.StatusInternalServerError, msgInternal)
	}
}

// statusRecorder remembers the status written, for the log line.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
