package connecthandler

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hubmessage/hubmessage-go/client"
	"github.com/hubmessage/hubmessage-go/gen"
	"github.com/hubmessage/hubmessage-go/internal/printable"
	"github.com/hubmessage/hubmessage-go/internal/secretkey"
)

// DefaultMaxBodyBytes is the body limit when [Config].MaxBodyBytes is 0. It admits every
// payload the spec allows (a code of up to 4096 characters, two ids of up to 32 digits).
const DefaultMaxBodyBytes = 8 << 10

// ErrForbidden is what [Config].Authorize or [Config].ChannelID returns, wrapped or not, for
// a user who is signed in but may not connect the channel: 403 "unauthorized", instead of 401
// (or ChannelID's 500 "internal").
var ErrForbidden = errors.New("connecthandler: forbidden")

// Config is what [New] needs.
type Config struct {
	// Client makes the ConnectChannel call, with its Secret Key and retry policy. Required.
	Client *client.Client
	// ChannelID returns the channel the request's user may connect, from the backend's own
	// records (its session, its database), never the browser's word. It runs after the body
	// is read, so it must not read r.Body. Required.
	ChannelID func(r *http.Request) (string, error)
	// Authorize checks the backend's own user session before the body is read; nil allows
	// every request.
	Authorize func(r *http.Request) error
	// AllowedOrigins are origins other than the request's own that may POST, each as a
	// browser sends it in the Origin header: "https://app.example.com" (scheme and host in
	// lower case, a port only when not the scheme's default, no path). They also get CORS
	// answers (preflight, credentials allowed). The request's own origin is always allowed.
	AllowedOrigins []string
	// Logger gets one line per request (nil: none; a library is silent unless asked): the
	// outcome as the message, with reason, status, duration and, when known, channel, attempts
	// (of the API call), api_status and error. Success and the browser's mistakes are at Info, the API's failures
	// at Warn, the backend's own (a rejected Secret Key, a failing ChannelID) at Error,
	// preflights at Debug. The errors Authorize and ChannelID return are logged; the Secret
	// Key, the code and the API's response body never are.
	Logger *slog.Logger
	// MaxBodyBytes caps the request body; a longer one is answered 413. 0 means
	// [DefaultMaxBodyBytes].
	MaxBodyBytes int64
}

// handler is what New returns: cfg with its defaults filled in.
type handler struct {
	Config
	csrf *http.CrossOriginProtection
}

// New returns the handler for cfg, or an error naming the first field that is wrong. The
// handler is safe for concurrent use. It answers a request at the first check it fails, in
// this order: the method is POST (405 with "Allow: OPTIONS, POST" unless an OPTIONS preflight);
// it is not cross-origin (403, see the package doc's Origins); Content-Type is
// application/json, with no charset but utf-8 (415); Authorize accepts it; the body is at most
// MaxBodyBytes (413) and is the payload as [DecodePayload] reads it (400). Then ChannelID names
// the channel (never the browser), and one ConnectChannel call, whose retries never send a
// code twice and whose client checks the values against the spec first, connects it. The
// browser going away does not cancel the call (the client's timeout and retry policy bound
// it): the code may be spent already, and the log tells how the channel ended.
func New(cfg Config) (http.Handler, error) {
	switch {
	case cfg.Client == nil:
		return nil, errors.New("connecthandler: Config.Client is required")
	case cfg.ChannelID == nil:
		return nil, errors.New("connecthandler: Config.ChannelID is required: the backend, not the browser, says which channel a user may connect")
	case cfg.MaxBodyBytes < 0:
		return nil, fmt.Errorf("connecthandler: Config.MaxBodyBytes is %d; want 0 (the default, %d) or more", cfg.MaxBodyBytes, DefaultMaxBodyBytes)
	}
	h := &handler{Config: cfg, csrf: http.NewCrossOriginProtection()}
	h.AllowedOrigins = slices.Clone(cfg.AllowedOrigins) // the caller's slice may change later
	for i, o := range cfg.AllowedOrigins {
		if err := checkOrigin(o); err != nil {
			return nil, fmt.Errorf("connecthandler: Config.AllowedOrigins[%d] %q: %w", i, o, err)
		}
		_ = h.csrf.AddTrustedOrigin(o) // it refuses only what checkOrigin refused already
	}
	h.Logger = cmp.Or(h.Logger, slog.New(slog.DiscardHandler))
	h.MaxBodyBytes = cmp.Or(h.MaxBodyBytes, DefaultMaxBodyBytes)
	return h, nil
}

// checkOrigin accepts an origin only in the form browsers send, which the Origin header is
// compared with byte for byte: any other spelling would never match.
func checkOrigin(o string) error {
	u, err := url.Parse(o)
	switch {
	case err != nil || u.Scheme == "" || u.Host == "" || u.Opaque != "":
		return errors.New(`want scheme://host[:port], e.g. "https://app.example.com"`)
	case u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return errors.New("an origin has no user, path, query or fragment")
	}
	defaultPort := map[string]string{"https": ":443", "http": ":80"}[u.Scheme] // url.Parse lowercases the scheme
	if want := strings.TrimSuffix(u.Scheme+"://"+strings.ToLower(strings.TrimSuffix(u.Host, ":")), defaultPort); o != want {
		return fmt.Errorf("write it as browsers send it: %q", want)
	}
	return nil
}

// outcome is how one request ended: what the browser gets and what the log says.
type outcome struct {
	status  int
	reason  string // stable (see the package doc); "connected" on success
	message string // for a person, in the browser
	detail  string // for the log: the log line's message
	channel string // the channel, once known
	tries   int    // ConnectChannel's attempts
	api     int    // the status the API answered, if it did
	err     error  // for the log: never holds the Secret Key or the code
}

func fail(status int, reason, message, detail string) outcome {
	return outcome{status: status, reason: reason, message: message, detail: detail}
}

// Messages a person can act on. None says more about the backend than that it failed.
const (
	msgStartAgain    = "start the signup again"
	msgMisconfigured = "The service is misconfigured; please contact support."
	msgForbidden     = "This page may not connect channels here; open the app at its own address and try again."
	msgUnavailable   = "The service is busy or cannot be reached; wait a moment, then " + msgStartAgain + "."
)

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	o := h.serve(w, r)
	h.write(w, r, o)
	h.log(r, o, time.Since(start))
}

// serve decides the outcome for write; it sets headers only for a 405 and a preflight.
func (h *handler) serve(w http.ResponseWriter, r *http.Request) outcome {
	switch r.Method {
	case http.MethodPost:
	case http.MethodOptions:
		return h.preflight(w, r)
	default:
		w.Header().Set("Allow", "OPTIONS, POST")
		return fail(http.StatusMethodNotAllowed, "method_not_allowed",
			"Send the signup data with POST.", "method "+printable.String(r.Method)+" not allowed")
	}
	if err := h.csrf.Check(r); err != nil {
		return fail(http.StatusForbidden, "forbidden_origin", msgForbidden,
			"cross-origin request refused: Origin "+quote(r.Header.Get("Origin"))+
				", Sec-Fetch-Site "+quote(r.Header.Get("Sec-Fetch-Site")))
	}
	if !isJSON(r.Header.Get("Content-Type")) {
		return fail(http.StatusUnsupportedMediaType, "unsupported_media_type",
			"Send the signup data as JSON (Content-Type: application/json).",
			"Content-Type "+quote(r.Header.Get("Content-Type"))+" is not application/json")
	}
	if h.Authorize != nil {
		if err := h.Authorize(r); err != nil {
			return unauthorized(err, "Authorize refused the request")
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.MaxBodyBytes))
	if tooLarge := new(http.MaxBytesError); errors.As(err, &tooLarge) {
		return fail(http.StatusRequestEntityTooLarge, "payload_too_large",
			"The signup data is too large; "+msgStartAgain+".", fmt.Sprintf("body over %d bytes", h.MaxBodyBytes))
	} else if err != nil {
		return fail(http.StatusBadRequest, "invalid_payload",
			"The signup data did not arrive in full; "+msgStartAgain+".", "reading the body failed")
	}
	req, err := DecodePayload(body)
	if err != nil {
		return invalidPayload(err.Error())
	}
	return h.connect(r, req)
}

// connect makes the one ConnectChannel call, for the channel ChannelID names, and finishes it
// when the browser goes away (see New).
func (h *handler) connect(r *http.Request, req client.ConnectRequest) outcome {
	channelID, err := h.ChannelID(r)
	switch {
	case errors.Is(err, ErrForbidden):
		return unauthorized(err, "ChannelID refused the request")
	case err != nil:
		o := fail(http.StatusInternalServerError, "internal",
			"Something went wrong on our side; please try again later, and contact support if it keeps happening.", "ChannelID failed")
		o.err = err
		return o
	}
	res, err := h.Client.ConnectChannel(context.WithoutCancel(r.Context()), channelID, req)
	if err != nil {
		o := connectFailed(err, req.Code)
		o.channel = channelID
		return o
	}
	return outcome{status: http.StatusOK, reason: "connected", detail: "channel connected", channel: res.ChannelID, tries: res.Attempts}
}

// unauthorized is a refusal by the backend's own callbacks: 401, or 403 for [ErrForbidden].
func unauthorized(err error, detail string) outcome {
	o := fail(http.StatusUnauthorized, "unauthorized",
		"You are not signed in, or your session has ended; sign in, then "+msgStartAgain+".", detail)
	if errors.Is(err, ErrForbidden) {
		o.status = http.StatusForbidden
		o.message = "Your account may not connect this channel; ask an administrator of your account."
	}
	o.err = err
	return o
}

func invalidPayload(problem string) outcome {
	return fail(http.StatusBadRequest, "invalid_payload",
		"The signup data is not valid ("+problem+"); "+msgStartAgain+".", "invalid payload: "+problem)
}

// quote makes a header the browser sent fit for a log line (see printable.String).
func quote(s string) string { return strconv.Quote(printable.String(s)) }

// isJSON accepts application/json, with no charset or charset=utf-8.
func isJSON(contentType string) bool {
	mt, params, err := mime.ParseMediaType(contentType)
	cs, hasCharset := params["charset"]
	return err == nil && mt == "application/json" && (!hasCharset || strings.EqualFold(cs, "utf-8"))
}

// preflight answers a CORS preflight: an allowed origin gets permission to POST JSON with
// credentials; an OPTIONS without Origin gets the allowed methods; any other origin 403.
func (h *handler) preflight(w http.ResponseWriter, r *http.Request) outcome {
	origin := r.Header.Get("Origin")
	switch {
	case origin == "":
		w.Header().Set("Allow", "OPTIONS, POST")
	case slices.Contains(h.AllowedOrigins, origin):
		hd := w.Header()
		hd.Set("Access-Control-Allow-Methods", "POST")
		if rh := r.Header.Get("Access-Control-Request-Headers"); rh != "" {
			hd.Set("Access-Control-Allow-Headers", rh) // the origin is trusted
		}
		hd.Set("Access-Control-Max-Age", "600")
		hd.Add("Vary", "Access-Control-Request-Method")
		hd.Add("Vary", "Access-Control-Request-Headers")
	default:
		return fail(http.StatusForbidden, "forbidden_origin", msgForbidden,
			"preflight refused: Origin "+quote(origin)+" is not allowed")
	}
	return outcome{status: http.StatusNoContent, detail: "preflight answered"}
}

// apiAnswers maps the API's answer, by the client's sentinels; the first that matches wins.
var apiAnswers = []struct {
	sentinel error
	outcome
}{
	{client.ErrUnauthorized, fail(http.StatusInternalServerError, "misconfigured", msgMisconfigured,
		"Secret Key rejected: the API answered 401; check the key the client was created with")},
	{client.ErrCodeExpired, fail(http.StatusUnprocessableEntity, "code_expired", "The signup took too long; start it again.", "code expired")},
	{client.ErrCodeAlreadyUsed, fail(http.StatusUnprocessableEntity, "code_used", "This signup was already used; start it again.", "code already used")},
	{client.ErrChannelConnected, fail(http.StatusConflict, "channel_connected",
		"This channel is already connected to a WhatsApp number; disconnect it first, then "+msgStartAgain+".", "channel already connected")},
	{client.ErrChannelType, fail(http.StatusUnprocessableEntity, "channel_type",
		"This channel is not a WhatsApp channel, so it cannot be connected this way.", "channel is not META_WHATSAPP: check what ChannelID returns")},
	{client.ErrChannelNotFound, fail(http.StatusNotFound, "not_found",
		"The channel to connect no longer exists; reload the page and try again.", "channel not found: check what ChannelID returns")},
	{client.ErrRejected, fail(http.StatusUnprocessableEntity, "rejected",
		"The connection was refused; "+msgStartAgain+", and contact support if it happens again.",
		"the API refused the connection with a 422 this handler does not know")},
	{client.ErrInvalidRequest, fail(http.StatusBadRequest, "invalid_payload", "The signup data was not accepted; "+msgStartAgain+".", "the API answered 400")},
	{client.ErrRateLimited, busy},
	{client.ErrServiceUnavailable, busy},
	{client.ErrUpstream, upstream},
	{client.ErrServer, upstream},
	{client.ErrUnexpectedResponse, upstream},
}

var (
	busy     = fail(http.StatusServiceUnavailable, "unavailable", msgUnavailable, "the API is busy or unavailable")
	upstream = fail(http.StatusBadGateway, "upstream", "WhatsApp did not confirm the connection; wait a moment, then "+msgStartAgain+".", "the API or Meta failed")
)

// connectFailed maps a ConnectChannel error. The log gets the status the API answered, never
// its body or message: an upstream could echo anything, the code included.
func connectFailed(err error, code string) outcome {
	if errors.Is(err, client.ErrInvalidInput) {
		return invalidInput(err)
	}
	o := answerOf(err)
	if apiErr := new(client.APIError); errors.As(err, &apiErr) {
		o.api = apiErr.StatusCode
	} else { // a transport error holds no response text; redact the code all the same
		o.err = errors.New(secretkey.Redact(err.Error(), code))
	}
	if opErr := new(client.OperationError); errors.As(err, &opErr) {
		o.tries = opErr.Attempts
	}
	return o
}

func answerOf(err error) outcome {
	for _, a := range apiAnswers {
		if errors.Is(err, a.sentinel) {
			return a.outcome
		}
	}
	if errors.As(err, new(*client.APIError)) { // a 3xx, or an undocumented 4xx: not what a right setup gets
		return fail(http.StatusInternalServerError, "misconfigured", msgMisconfigured,
			"unexpected API answer: check the client's base URL and any proxy")
	}
	return fail(http.StatusServiceUnavailable, "unavailable", msgUnavailable, "the API could not be reached") // connection failed, timeout
}

// invalidInput maps the client's validation: a payload value that breaks the spec's rules is
// the browser's to fix; a bad channel id (a parameter, so the first problem) is the backend's.
func invalidInput(err error) outcome {
	if v := new(client.ValidationError); errors.As(err, &v) && v.Field == gen.ChannelIdRule.Name {
		return fail(http.StatusInternalServerError, "misconfigured", msgMisconfigured,
			"ChannelID returned an id the API would refuse: "+v.Problem)
	}
	if opErr := new(client.OperationError); errors.As(err, &opErr) {
		err = opErr.Err // every problem, without the operation's prefix
	}
	return invalidPayload(err.Error())
}

// write sends o as JSON, with CORS headers for an allowed origin.
func (h *handler) write(w http.ResponseWriter, r *http.Request, o outcome) {
	hd := w.Header()
	hd.Add("Vary", "Origin")
	if origin := r.Header.Get("Origin"); slices.Contains(h.AllowedOrigins, origin) {
		hd.Set("Access-Control-Allow-Origin", origin)
		hd.Set("Access-Control-Allow-Credentials", "true")
	}
	hd.Set("Cache-Control", "no-store")
	if o.status == http.StatusNoContent {
		w.WriteHeader(o.status)
		return
	}
	var body any = struct {
		Reason  string `json:"reason"`
		Message string `json:"message"`
	}{o.reason, o.message}
	if o.status == http.StatusOK {
		body = struct {
			Connected bool   `json:"connected"`
			ChannelID string `json:"channelId"`
		}{true, o.channel}
	}
	hd.Set("Content-Type", "application/json")
	hd.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(o.status)
	json.NewEncoder(w).Encode(body)
}

// log writes o's one line, at the level Config.Logger's doc gives.
func (h *handler) log(r *http.Request, o outcome, d time.Duration) {
	level := slog.LevelInfo
	switch {
	case o.status == http.StatusNoContent:
		level = slog.LevelDebug
	case o.reason == "misconfigured", o.reason == "internal":
		level = slog.LevelError
	case o.status >= 500:
		level = slog.LevelWarn
	}
	attrs := []slog.Attr{slog.String("reason", o.reason), slog.Int("status", o.status), slog.Duration("duration", d)}
	if o.channel != "" {
		attrs = append(attrs, slog.String("channel", o.channel))
	}
	if o.tries > 0 {
		attrs = append(attrs, slog.Int("attempts", o.tries))
	}
	if o.api != 0 {
		attrs = append(attrs, slog.Int("api_status", o.api))
	}
	if o.err != nil {
		attrs = append(attrs, slog.String("error", printable.String(o.err.Error())))
	}
	h.Logger.LogAttrs(r.Context(), level, "connecthandler: "+o.detail, attrs...)
}
