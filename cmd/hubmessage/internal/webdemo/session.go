package webdemo

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hubmessage/hubmessage-go/cmd/hubmessage/internal/wiretap"
	"github.com/hubmessage/hubmessage-go/internal/errorbody"
	"github.com/hubmessage/hubmessage-go/internal/printable"
)

// sessionCookie holds the page's session with the backend: which channel it may connect.
const sessionCookie = "hubmessage_demo_session"

// maxSessions bounds the memory a long-running demo holds: the sessions, and a channel of the
// reference server for each (an expired session's goes to the next new browser).
const maxSessions = 1000

// sessionIdle is how long a session lives after its last request. Then its cookie is refused
// (the page reloads for a new session); its place, and its channel, wait for a new browser.
const sessionIdle = 30 * time.Minute

var errNoSession = errors.New("no session: reload the page")

// session is one browser's session with the demo's backend.
type session struct {
	token, channelID string    // the channel is the backend's: the page's word is never asked
	lastUsed         time.Time // guarded by Demo.mu, as channelID until the cookie is sent

	mu       sync.Mutex
	calls    []apiCall // the backend's calls to the API for the session's last connect
	failNext bool      // failNextConnect's: the next connect call is answered 502
}

// apiCall is one call the backend made to the API, as the page shows it: no header, no body
// sent (the Secret Key and the code stay on the backend).
type apiCall struct {
	Method  string `json:"method"`
	Path    string `json:"path"`              // as the API's spec names it, without the demo's /api mount
	Status  int    `json:"status,omitempty"`  // 0: no answer
	Message string `json:"message,omitempty"` // the API's error message, e.g. CODE_EXPIRED
	Note    string `json:"note,omitempty"`    // what the demo knows and the API's answer does not say
	Error   string `json:"error,omitempty"`   // why there was no answer
}

// newSession reserves a place for a new browser's session: a new place while there is room,
// else the place and the channel of the least recently used session, if it has expired. With
// no place, it returns how long until one frees. A session without a channel is startSession's
// to complete (setChannel) or drop.
func (d *Demo) newSession() (*session, time.Duration) {
	now := time.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	s := &session{token: rand.Text(), lastUsed: now}
	if len(d.sessions) >= d.maxSessions {
		var lru *session
		for _, old := range d.sessions {
			if lru == nil || old.lastUsed.Before(lru.lastUsed) {
				lru = old
			}
		}
		if wait := lru.lastUsed.Add(sessionIdle).Sub(now); wait > 0 {
			return nil, wait
		}
		delete(d.sessions, lru.token)
		s.channelID = lru.channelID
	}
	d.sessions[s.token] = s
	return s, 0
}

// setChannel completes a session newSession reserved; "" drops it.
func (d *Demo) setChannel(s *session, channelID string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if s.channelID = channelID; channelID == "" {
		delete(d.sessions, s.token)
	}
}

// session returns the session of r's cookie, unless it has expired, and marks it used.
func (d *Demo) session(r *http.Request) (*session, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, errNoSession
	}
	now := time.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	if s := d.sessions[c.Value]; s != nil && now.Sub(s.lastUsed) < sessionIdle {
		s.lastUsed = now
		return s, nil
	}
	return nil, errNoSession
}

// withSession answers 401 to a request without a session, else calls h with it.
func (d *Demo) withSession(h func(w http.ResponseWriter, r *http.Request, s *session)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s, err := d.session(r); err != nil {
			errorbody.Write(w, http.StatusUnauthorized, err.Error())
		} else {
			h(w, r, s)
		}
	})
}

type sessionKey struct{}

// traced records in the request's session the calls to the API h makes, for the page.
func (d *Demo) traced(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s, err := d.session(r); err == nil {
			s.mu.Lock()
			s.calls = nil
			s.mu.Unlock()
			r = r.WithContext(context.WithValue(r.Context(), sessionKey{}, s))
		}
		h.ServeHTTP(w, r)
	})
}

// neverIssued is the note on a CODE_EXPIRED for a code the reference server did not issue.
const neverIssued = "the code was never issued (a hand-made one?): with strict codes the reference server answers a code it did not issue CODE_EXPIRED, as the real API answers a code Meta will not exchange"

// traceCall records a call of the backend's client in the session traced marked, if any.
func (d *Demo) traceCall(ex wiretap.Exchange) {
	s, _ := ex.Request.Context().Value(sessionKey{}).(*session)
	if s == nil {
		return
	}
	call := apiCall{Method: ex.Request.Method, Path: strings.TrimPrefix(ex.Request.URL.Path, APIPath), Error: "the request failed"}
	var e errorbody.Body
	if ex.Err == nil {
		call.Status, call.Error = ex.Response.StatusCode, ""
		if call.Status >= 300 && json.Unmarshal(ex.ResponseBody, &e) == nil {
			call.Message = printable.String(e.Message)
		}
		var sent struct{ Code string }
		if e.Message == "CODE_EXPIRED" && json.Unmarshal(ex.RequestBody, &sent) == nil {
			if _, issued := d.mock.Issued(sent.Code); !issued {
				call.Note = neverIssued
				d.logger.InfoContext(ex.Request.Context(), "demo: "+neverIssued)
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, call)
}

// failNext is the backend's transport: the connect call of a session whose failNext is set
// asks the reference server for its 502 (Prefer: code=502, answered with the spec's example,
// no state read or changed), and clears it.
type failNext struct{ base http.RoundTripper }

func (t failNext) RoundTrip(r *http.Request) (*http.Response, error) {
	if s, _ := r.Context().Value(sessionKey{}).(*session); s != nil && strings.HasSuffix(r.URL.Path, "/connect") {
		s.mu.Lock()
		fail := s.failNext
		s.failNext = false
		s.mu.Unlock()
		if fail {
			r = r.Clone(r.Context())
			r.Header.Set("Prefer", "code=502")
		}
	}
	return t.base.RoundTrip(r)
}

func (s *session) lastCalls() []apiCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]apiCall{}, s.calls...) // [] rather than null
}
