package mockserver

import (
	"bytes"
	"crypto/rand"
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

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/hubmessage/hubmessage-go/contracttest"
	"github.com/hubmessage/hubmessage-go/gen"
	"github.com/hubmessage/hubmessage-go/openapi"
)

// DefaultMaxBodyBytes is the request body limit unless [WithMaxBodyBytes] says otherwise.
// The real payload is a few hundred bytes; a larger body is answered 413.
const DefaultMaxBodyBytes = 64 << 10

// Server is the reference server: an http.Handler answering the spec's operations from
// in-memory state. Create it with [New]; it is safe for concurrent use by multiple goroutines.
type Server struct {
	secretKey string
	validator *contracttest.Validator
	examples  map[string]*operationExamples // by operationId
	templates map[string]string             // path template by operationId
	handler   http.Handler                  // gen's strict handler, behind validation
	logger    *slog.Logger
	maxBody   int64

	mu       sync.Mutex
	channels map[string]*channel // by canonical id
	used     map[codeDigest]struct{}
	expired  map[codeDigest]struct{}
}

var _ gen.StrictServerInterface = (*Server)(nil)

// Option configures a [Server]. Options check their input and return an error.
type Option func(*config) error

type config struct {
	secretKey string
	channels  []Channel
	logger    *slog.Logger
	maxBody   int64
}

// WithSecretKey sets the Secret Key the server accepts as `Authorization: Bearer <key>`.
// Without it, New generates a random one (see [Server.SecretKey]). The key must be non-empty
// printable ASCII without spaces; the error never repeats it.
func WithSecretKey(key string) Option {
	return func(c *config) error {
		if err := checkSecretKey(key); err != nil {
			return fmt.Errorf("mockserver: WithSecretKey: %w", err)
		}
		c.secretKey = key
		return nil
	}
}

// checkSecretKey reports whether key can be used as a bearer token. The error never contains it.
func checkSecretKey(key string) error {
	if key == "" {
		return errors.New("the key is empty")
	}
	for i := 0; i < len(key); i++ {
		if key[i] <= ' ' || key[i] > '~' {
			return fmt.Errorf("the key has a space or a non-printable character at byte %d", i)
		}
	}
	return nil
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

// WithLogger logs one line per request (method, path template, status, duration) to l.
// By default nothing is logged.
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
	cfg := config{maxBody: DefaultMaxBodyBytes, logger: slog.New(slog.DiscardHandler)}
	for _, opt := range opts {
		if opt == nil {
			return nil, errors.New("mockserver: New: nil Option")
		}
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.secretKey == "" {
		cfg.secretKey = generateSecretKey()
	}
	doc, err := openapi.Spec()
	if err != nil {
		return nil, fmt.Errorf("mockserver: %w", err)
	}
	v, err := contracttest.NewForSpec(doc, contracttest.WithSecretKey(cfg.secretKey))
	if err != nil {
		return nil, fmt.Errorf("mockserver: %w", err)
	}
	examples, templates, err := readExamples(doc)
	if err != nil {
		return nil, fmt.Errorf("mockserver: %w", err)
	}
	s := &Server{
		secretKey: cfg.secretKey,
		validator: v,
		examples:  examples,
		templates: templates,
		logger:    cfg.logger,
		maxBody:   cfg.maxBody,
		channels:  map[string]*channel{},
		used:      map[codeDigest]struct{}{},
		expired:   map[codeDigest]struct{}{},
	}
	for _, ch := range append(seedChannels(), cfg.channels...) {
		if err := s.addChannel(ch); err != nil {
			return nil, fmt.Errorf("mockserver: WithChannel: %w", err)
		}
	}
	s.handler = s.generatedHandler()
	return s, nil
}

// generatedHandler is gen's strict handler on s, with every error path of the generated
// wrapper answering in the spec's error shape.
func (s *Server) generatedHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such endpoint")
	})
	strict := gen.NewStrictHandlerWithOptions(s, nil, gen.StrictHTTPServerOptions{
		RequestErrorHandlerFunc:  s.requestError,
		ResponseErrorHandlerFunc: s.responseError,
	})
	return gen.HandlerWithOptions(strict, gen.StdHTTPServerOptions{BaseRouter: mux, ErrorHandlerFunc: s.requestError})
}

func (s *Server) requestError(w http.ResponseWriter, _ *http.Request, err error) {
	writeError(w, http.StatusBadRequest, err.Error())
}

func (s *Server) responseError(w http.ResponseWriter, r *http.Request, err error) {
	s.logger.LogAttrs(r.Context(), slog.LevelError, "response error", slog.String("error", err.Error()))
	writeError(w, http.StatusInternalServerError, "Internal server error")
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
	s.mu.Lock()
	n := len(s.channels)
	s.mu.Unlock()
	return fmt.Sprintf("mockserver.Server{SecretKey: [REDACTED], channels: %d}", n)
}

// GoString is String, for %#v.
func (s *Server) GoString() string { return s.String() }

// ServeHTTP answers r: route (404, 405), body limit (413), validation against the spec (400,
// 401), the Prefer header, then the operation itself.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w}
	template := s.serve(rec, r)
	s.logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
		slog.String("method", r.Method),
		slog.String("path", template),
		slog.Int("status", rec.status),
		slog.Duration("duration", time.Since(start)))
}

// unmatched is what the logs show as path template when no route matched.
const unmatched = "(unmatched)"

func (s *Server) serve(w *statusRecorder, r *http.Request) (template string) {
	escaped := r.URL.EscapedPath()
	if escaped == "" || escaped[0] != '/' || path.Clean(escaped) != escaped {
		writeError(w, http.StatusNotFound, "no such endpoint")
		return unmatched
	}
	route, err := s.validator.FindRoute(r)
	if err != nil {
		allowed := s.validator.AllowedMethods(r)
		if !errors.Is(err, routers.ErrMethodNotAllowed) || len(allowed) == 0 {
			writeError(w, http.StatusNotFound, "no such endpoint")
			return unmatched
		}
		probe := r.Clone(r.Context())
		probe.Method = allowed[0]
		if pr, err := s.validator.FindRoute(probe); err == nil {
			template = s.templates[pr.OperationID()]
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeError(w, http.StatusMethodNotAllowed,
			fmt.Sprintf("method %s is not allowed here; allowed: %s", r.Method, strings.Join(allowed, ", ")))
		return template
	}
	template = s.templates[route.OperationID()]

	if r.Body != nil && r.Body != http.NoBody {
		body, err := io.ReadAll(http.MaxBytesReader(w.ResponseWriter, r.Body, s.maxBody))
		r.Body.Close()
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body: larger than %d bytes", s.maxBody))
				return template
			}
			writeError(w, http.StatusBadRequest, "request body: cannot be read")
			return template
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}

	if _, err := s.validator.ValidateRequest(r); err != nil {
		status, msg := rejection(err)
		writeError(w, status, msg)
		return template
	}

	if pref, err := parsePrefer(r.Header.Values("Prefer")); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return template
	} else if pref.set() {
		ex, err := s.examples[route.OperationID()].pick(pref)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return template
		}
		writeJSON(w, ex.status, ex.value)
		return template
	}

	s.handler.ServeHTTP(w, r)
	return template
}

// rejection turns a failed request validation into the status and message to answer: 401
// when the Secret Key is missing or wrong (whatever else is wrong), else 400 naming every
// location.
func rejection(err error) (int, string) {
	var vs contracttest.Violations
	if !errors.As(err, &vs) || len(vs) == 0 {
		return http.StatusBadRequest, "invalid request"
	}
	var parts []string
	for _, v := range vs {
		var sec *openapi3filter.SecurityRequirementsError
		if errors.As(v.Err, &sec) {
			return http.StatusUnauthorized, msgUnauthorized
		}
		parts = append(parts, v.Location+": "+v.Reason)
	}
	return http.StatusBadRequest, strings.Join(parts, "; ")
}

func writeError(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, gen.Error{Error: status, Message: message})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil { // the values are the spec's examples and gen's types
		status = http.StatusInternalServerError
		body, _ = json.Marshal(gen.Error{Error: status, Message: msgInternal})
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
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
