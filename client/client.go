package client

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/hubmessage/hubmessage-go/internal/secretkey"
)

// Version is the version of this module, sent in the default User-Agent. Module vX.Y.Z speaks
// API X.Y.0, the spec's info.version (a test holds them together).
const Version = "1.1.0"

// DefaultBaseURL is the production Hub Message API.
const DefaultBaseURL = "https://api.hubmessage.io"

// DefaultUserAgent names this module and its Version for the API's operators.
const DefaultUserAgent = "hubmessage-go/" + Version + " (+https://github.com/hubmessage/hubmessage-go)"

// DefaultTimeout bounds each attempt. A connect takes a few seconds (the API exchanges the code
// with Meta) and its code lives about 30: a hung call fails in time for the user to sign up
// again.
const DefaultTimeout = 20 * time.Second

// Client calls the Hub Message API with a Secret Key. Create one with [New] and share it: a
// Client is safe for concurrent use by multiple goroutines. Its zero value is not usable.
type Client struct {
	options
	hc            *http.Client
	server        string  // baseURL with a trailing slash, as gen's request builders want it
	authorization *string // "Bearer <key>"; a pointer, so printing a Client value shows no key
}

// Option configures a [Client] in [New]. An Option that is given bad input makes New fail
// with an error saying why.
type Option func(*options) error

// options is what the Options set; New checks combinations once all have run.
type options struct {
	baseURL      string
	httpClient   *http.Client
	timeout      time.Duration
	userAgent    string
	retry        RetryPolicy
	insecureHTTP bool
}

// WithBaseURL sets the API's base URL (default [DefaultBaseURL]). It may carry a path, such
// as https://proxy.example/hub: routes are appended to it. It must be https, or http on a
// loopback host (127.0.0.0/8, ::1, localhost) unless [WithInsecureHTTP] is given, and must
// not hold user info, a query or a fragment.
func WithBaseURL(baseURL string) Option {
	return func(o *options) error {
		u, err := url.Parse(baseURL)
		switch {
		case strings.TrimSpace(baseURL) == "":
			return optionError("WithBaseURL", "empty")
		case !strings.Contains(baseURL, "://"): // "localhost:8080" parses with the scheme "localhost"
			return optionError("WithBaseURL", "no scheme; add http:// or https://, as in http://localhost:8080")
		case err != nil:
			return optionError("WithBaseURL", "not a URL: %w", errors.Unwrap(err))
		case u.Scheme != "http" && u.Scheme != "https":
			return optionError("WithBaseURL", "scheme must be https or http, have %q", u.Scheme)
		case u.Host == "":
			return optionError("WithBaseURL", "no host")
		case u.User != nil:
			return optionError("WithBaseURL", "must not hold user info; the Secret Key authenticates")
		case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
			return optionError("WithBaseURL", "must not hold a query or a fragment")
		}
		o.baseURL = baseURL
		return nil
	}
}

// OptionError is how [New] reports an [Option] given bad input, or options that cannot work
// together; a program that set the option from a flag of its own can name that with Err.
type OptionError struct {
	// Option is the Option's name, e.g. "WithBaseURL".
	Option string
	// Err is what is wrong, e.g. "no scheme; add http:// or https://, as in
	// http://localhost:8080". It matches [ErrInsecureHTTP] for plain http to a remote host.
	Err error
}

func (e *OptionError) Error() string { return e.Option + ": " + e.Err.Error() }

func (e *OptionError) Unwrap() error { return e.Err }

func optionError(option, format string, args ...any) error {
	return &OptionError{Option: option, Err: fmt.Errorf(format, args...)}
}

// ErrInsecureHTTP is in the [*OptionError] for WithBaseURL of plain http to a host that is not
// loopback, without [WithInsecureHTTP].
var ErrInsecureHTTP = errors.New("plain http to a non-loopback host would send the Secret Key in clear")

// WithHTTPClient makes the Client send requests through a copy of hc, so its Transport
// (proxies, TLS, connection pool) and Timeout apply. hc itself is never modified. The copy
// never follows redirects, whatever hc.CheckRedirect says (a 3xx is an [*APIError]):
// following one would resend the code, maybe with the Secret Key, wherever it points.
func WithHTTPClient(hc *http.Client) Option {
	return func(o *options) error {
		if hc == nil {
			return optionError("WithHTTPClient", "nil *http.Client")
		}
		o.httpClient = hc
		return nil
	}
}

// WithTimeout bounds each attempt, sending the request and reading its response (default
// [DefaultTimeout]). d must be positive; the context given to a call bounds all attempts.
func WithTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return optionError("WithTimeout", "must be positive, have %v", d)
		}
		o.timeout = d
		return nil
	}
}

// WithUserAgent sets the User-Agent header (default [DefaultUserAgent]). Prefer adding your
// product in front of the default: WithUserAgent("acme-backend/2.3 " + client.DefaultUserAgent).
func WithUserAgent(ua string) Option {
	return func(o *options) error {
		switch i := strings.IndexFunc(ua, func(r rune) bool { return r > unicode.MaxASCII || unicode.IsControl(r) }); {
		case strings.TrimSpace(ua) == "":
			return optionError("WithUserAgent", "empty")
		case i >= 0:
			return optionError("WithUserAgent", "non-ASCII or control character at byte %d", i)
		}
		o.userAgent = ua
		return nil
	}
}

// WithRetryPolicy replaces [DefaultRetryPolicy]; [NoRetry] turns retries off.
func WithRetryPolicy(p RetryPolicy) Option {
	return func(o *options) error {
		if err := p.validate(); err != nil {
			return &OptionError{Option: "WithRetryPolicy", Err: err}
		}
		o.retry = p
		return nil
	}
}

// WithInsecureHTTP allows a plain http:// base URL on any host, not only loopback ones, though
// the Secret Key then crosses the network in clear: only behind a trusted TLS-terminating proxy.
func WithInsecureHTTP() Option {
	return func(o *options) error {
		o.insecureHTTP = true
		return nil
	}
}

// New returns a Client that authenticates with secretKey, the Secret Key from the Hub Message
// Security panel (not the browser SDK's Public Key). It fails, without echoing the key, when
// the key is empty or holds whitespace or control characters, or when an Option fails.
func New(secretKey string, opts ...Option) (*Client, error) {
	if err := secretkey.Check(secretKey); err != nil {
		return nil, fmt.Errorf("hubmessage: New: secretKey: %w", err)
	}
	c := &Client{options: options{
		baseURL:   DefaultBaseURL,
		timeout:   DefaultTimeout,
		userAgent: DefaultUserAgent,
		retry:     DefaultRetryPolicy,
	}}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&c.options); err != nil {
			return nil, fmt.Errorf("hubmessage: New: %w", err)
		}
	}
	u, _ := url.Parse(c.baseURL) // checked by WithBaseURL or a constant
	if u.Scheme == "http" && !c.insecureHTTP && !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("hubmessage: New: %w", optionError("WithBaseURL", "%s: %w; use https, or WithInsecureHTTP behind a trusted TLS-terminating proxy", u.Redacted(), ErrInsecureHTTP))
	}

	c.hc = new(http.Client)
	if c.httpClient != nil {
		*c.hc = *c.httpClient // a shallow copy: the caller's client is never modified
	}
	// A redirect is returned, not followed (see WithHTTPClient).
	c.hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.server = strings.TrimSuffix(c.baseURL, "/") + "/"
	authorization := "Bearer " + secretKey
	c.authorization = &authorization
	return c, nil
}

func isLoopback(host string) bool {
	return strings.EqualFold(host, "localhost") || net.ParseIP(host).IsLoopback() // a nil IP is not
}

// String describes the Client without its Secret Key.
func (c *Client) String() string {
	if c == nil {
		return "hubmessage.Client(nil)"
	}
	return fmt.Sprintf("hubmessage.Client{baseURL: %q, userAgent: %q, timeout: %v, secretKey: [redacted]}", c.baseURL, c.userAgent, c.timeout)
}

// GoString is String: %#v must not print the Secret Key either.
func (c *Client) GoString() string { return c.String() }

// Format prints String for every verb, so no fmt verb can reach the Secret Key.
func (c *Client) Format(f fmt.State, _ rune) { fmt.Fprint(f, c.String()) }
