package webdemo

import (
	"crypto/rand"
	"errors"
	"net/http"
	"sync"
)

// sessionCookie holds the page's session with the backend: which channel it may connect.
const sessionCookie = "hubmessage_demo_session"

// maxSessions bounds the memory a long-running demo holds (each session is a channel).
const maxSessions = 1000

// session is one browser's session with the demo's backend.
type session struct {
	token     string
	channelID string // created by the backend; the page's word is never asked

	mu    sync.Mutex
	calls []apiCall // the backend's calls to the API for the session's last connect
}

func (s *session) cookie() *http.Cookie {
	return &http.Cookie{Name: sessionCookie, Value: s.token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode}
}

func (s *session) resetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}

func (s *session) record(c apiCall) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
}

func (s *session) lastCalls() []apiCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]apiCall{}, s.calls...)
}

// sessions are the backend's sessions, by token.
type sessions struct {
	max     int
	mu      sync.Mutex
	byToken map[string]*session
}

func newSessions(max int) *sessions {
	return &sessions{max: max, byToken: map[string]*session{}}
}

var errTooManySessions = errors.New("too many sessions; restart the demo")

func (ss *sessions) full() bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return len(ss.byToken) >= ss.max
}

// add starts a session for channelID.
func (ss *sessions) add(channelID string) (*session, error) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if len(ss.byToken) >= ss.max {
		return nil, errTooManySessions
	}
	s := &session{token: rand.Text(), channelID: channelID}
	ss.byToken[s.token] = s
	return s, nil
}

// get returns the session of r's cookie.
func (ss *sessions) get(r *http.Request) (*session, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, errNoSession
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s, ok := ss.byToken[c.Value]
	if !ok {
		return nil, errNoSession
	}
	return s, nil
}
