package webdemo

import (
	"cmp"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hubmessage/hubmessage-go/client"
	"github.com/hubmessage/hubmessage-go/cmd/hubmessage/internal/wiretap"
	"github.com/hubmessage/hubmessage-go/connecthandler"
	"github.com/hubmessage/hubmessage-go/internal/errorbody"
	"github.com/hubmessage/hubmessage-go/internal/httpserve"
	"github.com/hubmessage/hubmessage-go/mockserver"
)

//go:embed static
var staticFiles embed.FS

// APIPath is where the reference server is mounted.
const APIPath = "/api"

// readTimeout is how long [Demo.Serve] gives a whole request, headers and body, to arrive: the
// page's requests are a few hundred bytes on loopback, so a body still arriving after it is
// stalled, and the backend answers it 400 "did not arrive in full" at once.
const readTimeout = 20 * time.Second

// Demo is the web demo's http.Handler. It is safe for concurrent use.
type Demo struct {
	*http.ServeMux
	mock   *mockserver.Server
	client *client.Client // the backend's, which records its calls for the page (Demo.traceCall)
	logger *slog.Logger

	mu          sync.Mutex
	sessions    map[string]*session // by token
	maxSessions int
}

// New returns the demo served at baseURL, e.g. "http://127.0.0.1:8090" (the backend calls
// the API at baseURL + APIPath), with a reference server of its own and a generated Secret
// Key. logger, if not nil, receives the backend's and the reference server's logs.
func New(baseURL string, logger *slog.Logger) (*Demo, error) {
	u, err := url.Parse(baseURL)
	if err != nil || u.Scheme != "http" || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return nil, fmt.Errorf("webdemo: base URL %q: want http://HOST:PORT", baseURL)
	}
	d := &Demo{ServeMux: http.NewServeMux(), logger: cmp.Or(logger, slog.New(slog.DiscardHandler)), sessions: map[string]*session{}, maxSessions: maxSessions}
	d.mock, err = mockserver.New(mockserver.WithStrictCodes(), mockserver.WithLogger(d.logger.With("component", "reference server")))
	if err != nil {
		return nil, fmt.Errorf("webdemo: %w", err)
	}
	d.client, err = client.New(d.mock.SecretKey(), client.WithBaseURL(strings.TrimSuffix(baseURL, "/")+APIPath),
		client.WithHTTPClient(&http.Client{Transport: wiretap.Transport{Base: failNext{http.DefaultTransport}, Record: d.traceCall}}))
	if err != nil {
		return nil, fmt.Errorf("webdemo: %w", err)
	}
	connect, err := connecthandler.New(connecthandler.Config{
		Client:    d.client,
		Authorize: func(r *http.Request) error { _, err := d.session(r); return err },
		ChannelID: func(r *http.Request) (string, error) {
			s, err := d.session(r)
			if err != nil {
				return "", err
			}
			return s.channelID, nil
		},
		Logger: d.logger.With("component", "backend"),
	})
	if err != nil {
		return nil, fmt.Errorf("webdemo: %w", err)
	}
	d.routes(connect)
	return d, nil
}

// Serve answers HTTP on ln until ctx is cancelled, then shuts down gracefully and returns nil;
// it closes ln. Its bounds are the reference server's (package httpserve: a cap on
// connections, timeouts for headers, writes and idle connections) with readTimeout for a
// whole request; the HTTP server's own errors go to the demo's logger.
func (d *Demo) Serve(ctx context.Context, ln net.Listener) error {
	return httpserve.Serve(ctx, ln, d, httpserve.Config{ReadTimeout: readTimeout, Logger: d.logger.With("component", "http server")})
}

// routes mounts the page, the backend (connect, the demo's own routes) and the API.
func (d *Demo) routes(connect http.Handler) {
	static, _ := fs.Sub(staticFiles, "static") // cannot fail: a valid name
	files := pageHeaders(http.FileServerFS(static))
	for _, route := range []string{"/{$}", "/app.js", "/sdk-standin.js", "/page.css"} { // / is index.html
		d.Handle("GET "+route, files)
	}
	d.Handle(APIPath+"/", http.StripPrefix(APIPath, d.mock))
	d.Handle("/backend/connect", d.traced(connect)) // connecthandler answers other methods 405 itself
	d.Handle("POST /backend/session", sameOrigin(http.HandlerFunc(d.startSession)))
	for path, h := range map[string]func(http.ResponseWriter, *http.Request, *session){ // ServeMux: order does not matter
		"sdk-code": d.sdkCode, "expire": d.expire, "fail-next-connect": d.failNextConnect, "disconnect": d.disconnect,
	} {
		d.Handle("POST /backend/demo/"+path, sameOrigin(d.withSession(h)))
	}
	d.Handle("GET /backend/demo/trace", d.withSession(func(w http.ResponseWriter, _ *http.Request, s *session) {
		writeJSON(w, http.StatusOK, map[string][]apiCall{"calls": s.lastCalls()})
	}))
}

// pageHeaders keeps the page's scripts its own: no inline script, nothing from elsewhere.
func pageHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

// sameOrigin refuses a cross-site request to the demo's own routes, with the check
// connecthandler makes for /backend/connect (Sec-Fetch-Site, else Origin against Host).
func sameOrigin(h http.Handler) http.Handler {
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		errorbody.Write(w, http.StatusForbidden, "cross-site request refused")
	}))
	return csrf.Handler(h)
}

// startSession gives the browser a session, with a channel the backend creates for it, or the
// channel of an expired session, disconnected. When every session is in use, 503 with
// Retry-After: the seconds until the least recently used one expires.
func (d *Demo) startSession(w http.ResponseWriter, r *http.Request) {
	if s, err := d.session(r); err == nil {
		writeJSON(w, http.StatusOK, map[string]string{"channelId": s.channelID})
		return
	}
	s, wait := d.newSession()
	if s == nil {
		secs := int(max(time.Second, wait+time.Second-1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		errorbody.Write(w, http.StatusServiceUnavailable, fmt.Sprintf(
			"the demo is busy: it holds %d sessions, the most it keeps; try again in %v, when the least recently used one expires",
			d.maxSessions, time.Duration(secs)*time.Second))
		return
	}
	if s.channelID != "" {
		if err := d.mock.Disconnect(s.channelID); err != nil { // cannot fail: the demo deletes no channel
			d.logger.ErrorContext(r.Context(), "disconnecting an expired session's channel", "error", err)
		}
	} else {
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		defer cancel()
		res, err := d.client.CreateChannel(ctx, client.CreateChannelRequest{Name: "Web demo", Type: client.ChannelTypeMetaWhatsApp})
		if err != nil {
			d.setChannel(s, "")
			d.logger.ErrorContext(ctx, "creating the session's channel", "error", err)
			errorbody.Write(w, http.StatusBadGateway, "the API did not create a channel")
			return
		}
		d.setChannel(s, res.ChannelID)
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: s.token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
	writeJSON(w, http.StatusCreated, map[string]string{"channelId": s.channelID})
}

// sdkCode issues a code as Embedded Signup would; the demo holds the reference server.
func (d *Demo) sdkCode(w http.ResponseWriter, _ *http.Request, _ *session) {
	code, expiresAt := d.mock.IssueCode()
	writeJSON(w, http.StatusOK, map[string]any{"code": code, "expiresAt": expiresAt.UTC()})
}

// expire moves the reference server's clock just past a code's life.
func (d *Demo) expire(w http.ResponseWriter, _ *http.Request, _ *session) {
	d.mock.AdvanceClock(mockserver.CodeLifetime + time.Second)
	writeJSON(w, http.StatusOK, map[string]bool{"expired": true})
}

// failNextConnect makes the reference server answer the session's next connect 502, as when
// Meta fails (see failNext); asked twice, still one. The failure waits in the session, not in
// the reference server's queue: it ends with the session, never reaches whoever gets the
// channel next, and no session can fill the queue for the others.
func (d *Demo) failNextConnect(w http.ResponseWriter, _ *http.Request, s *session) {
	s.mu.Lock()
	s.failNext = true
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]bool{"queued": true})
}

func (d *Demo) disconnect(w http.ResponseWriter, r *http.Request, s *session) {
	if _, err := d.client.DisconnectChannel(r.Context(), s.channelID); err != nil {
		d.logger.ErrorContext(r.Context(), "disconnecting the session's channel", "error", err)
		errorbody.Write(w, http.StatusBadGateway, "the API did not disconnect the channel")
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"disconnected": true})
}

// writeJSON answers status with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v) // cannot fail: strings, bools, times and apiCalls
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
