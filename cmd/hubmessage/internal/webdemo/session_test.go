package webdemo

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hubmessage/hubmessage-go/mockserver"
)

// bubbleDemo is a Demo keeping max sessions, for a synctest bubble: it is called in-process
// (call), and its backend never calls the API over the network.
func bubbleDemo(t *testing.T, max int) *Demo {
	t.Helper()
	d, err := New("http://127.0.0.1:8090", nil)
	if err != nil {
		t.Fatal(err)
	}
	d.maxSessions = max
	return d
}

// fill starts n sessions as startSession does, each with a channel added to the reference
// server through its Go API rather than created over HTTP.
func fill(t *testing.T, d *Demo, n int) []*session {
	t.Helper()
	out := make([]*session, n)
	for i := range out {
		s, _ := d.newSession()
		if s == nil || s.channelID != "" {
			t.Fatalf("session %d of %d: %+v, want a new place", i+1, n, s)
		}
		id := fmt.Sprintf("%032X", len(d.mock.Channels())+1)
		if err := d.mock.AddChannel(id, mockserver.MetaWhatsApp); err != nil {
			t.Fatal(err)
		}
		d.setChannel(s, id)
		out[i] = s
	}
	return out
}

// call sends a request to d in-process, as the page does, with the cookie of session token
// (if not "").
func call(d *Demo, method, path, token string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	if token != "" {
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: token})
	}
	rec := httptest.NewRecorder()
	d.ServeHTTP(rec, req)
	return rec
}

// newBrowser is a page's first POST /backend/session, without a cookie.
func newBrowser(d *Demo) *httptest.ResponseRecorder {
	return call(d, http.MethodPost, "/backend/session", "")
}

// wantBusy checks a refused new session: 503, Retry-After and a message saying when.
func wantBusy(t *testing.T, rec *httptest.ResponseRecorder, retryAfter time.Duration) {
	t.Helper()
	var body struct{ Message string }
	_ = json.Unmarshal(rec.Body.Bytes(), &body)
	secs := fmt.Sprint(int(retryAfter / time.Second))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != secs ||
		!strings.Contains(body.Message, "try again in "+retryAfter.String()) || strings.Contains(body.Message, "restart") {
		t.Errorf("a new browser with every session in use: %d Retry-After %q %s; want 503, Retry-After %s and a message saying when (%v), not to restart",
			rec.Code, rec.Header().Get("Retry-After"), rec.Body, secs, retryAfter)
	}
}

// A full table refuses a new browser until its least recently used session has been idle for
// sessionIdle; then the new browser gets that session's place and channel. An expired
// session's cookie is refused, its place taken or not.
func TestSessionsExpire(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := bubbleDemo(t, 3)
		var old []*session
		for range 3 { // started at 0, 1 and 2 minutes
			old = append(old, fill(t, d, 1)...)
			time.Sleep(time.Minute)
		}
		time.Sleep(7 * time.Minute)
		wantBusy(t, newBrowser(d), sessionIdle-10*time.Minute)

		time.Sleep(20 * time.Minute) // the first session has been idle for sessionIdle
		rec := newBrowser(d)
		var body struct{ ChannelID string }
		_ = json.Unmarshal(rec.Body.Bytes(), &body)
		if rec.Code != http.StatusCreated || body.ChannelID != old[0].channelID || len(rec.Result().Cookies()) != 1 {
			t.Fatalf("a new browser after the first session expired: %d %s, want 201 with its channel %s and a cookie",
				rec.Code, rec.Body, old[0].channelID)
		}
		if rec := call(d, http.MethodGet, "/backend/demo/trace", old[0].token); rec.Code != http.StatusUnauthorized {
			t.Errorf("the expired session's cookie: %d %s, want 401", rec.Code, rec.Body)
		}
		wantBusy(t, newBrowser(d), time.Minute) // the next expires a minute later

		time.Sleep(time.Minute) // the second session expires, its place not taken yet
		if rec := call(d, http.MethodGet, "/backend/demo/trace", old[1].token); rec.Code != http.StatusUnauthorized {
			t.Errorf("the cookie of a session idle for %v: %d %s, want 401", sessionIdle, rec.Code, rec.Body)
		}
		if n := len(d.sessions); n != 3 {
			t.Errorf("%d sessions held, want 3", n)
		}
	})
}

// A session's every request restarts its idle time: in use, it never expires.
func TestSessionInUseLives(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := bubbleDemo(t, 1)
		s := fill(t, d, 1)[0]
		for range 3 { // 60 minutes, a request every 20
			time.Sleep(20 * time.Minute)
			wantBusy(t, newBrowser(d), sessionIdle-20*time.Minute)
			if rec := call(d, http.MethodGet, "/backend/demo/trace", s.token); rec.Code != http.StatusOK {
				t.Fatalf("the session in use, %v after its last request: %d %s, want 200", 20*time.Minute, rec.Code, rec.Body)
			}
		}
	})
}

// The channel an expired session hands on is as new: not connected, and the failure its
// session asked for is not served to the next.
func TestExpiredSessionsChannelIsFresh(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := bubbleDemo(t, 1)
		s := fill(t, d, 1)[0]
		if status, body := connectAPI(t, d, s.channelID); status != http.StatusOK {
			t.Fatalf("connecting the session's channel: %d %s", status, body)
		}
		if rec := call(d, http.MethodPost, "/backend/demo/fail-next-connect", s.token); rec.Code != http.StatusOK {
			t.Fatalf("fail-next-connect: %d %s", rec.Code, rec.Body)
		}
		time.Sleep(sessionIdle)
		if rec := newBrowser(d); rec.Code != http.StatusCreated || !strings.Contains(rec.Body.String(), s.channelID) {
			t.Fatalf("a new browser: %d %s, want 201 with the expired session's channel %s", rec.Code, rec.Body, s.channelID)
		}
		if ch, _ := d.mock.Channel(s.channelID); ch.Connected {
			t.Error("the channel handed on is still connected")
		}
		if status, body := connectAPI(t, d, s.channelID); status != http.StatusOK {
			t.Errorf("connecting the channel handed on: %d %s, want 200", status, body)
		}
	})
}

// connectAPI connects channelID through the API in-process, with a fresh code.
func connectAPI(t *testing.T, d *Demo, channelID string) (int, string) {
	t.Helper()
	code, _ := d.mock.IssueCode()
	req := httptest.NewRequest(http.MethodPost, APIPath+"/v1/channels/"+channelID+"/connect",
		strings.NewReader(`{"wabaId":"428083093730937","phoneId":"123456789012345","code":"`+code+`","coexistence":false}`))
	req.Header.Set("Authorization", "Bearer "+d.mock.SecretKey())
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	d.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// BenchmarkSession is a new browser's session, as the issue's cookie-less POSTs start them:
// session-B is what one holds (its record and the reference server's channel), after a
// collection; times maxSessions, the most the demo holds for its sessions.
func BenchmarkSession(b *testing.B) {
	d, ts := startDemo(b, func(d *Demo) { d.maxSessions = 1 << 30 })
	before := heapInUse()
	for b.Loop() {
		res, err := testClient.Post(ts.URL+"/backend/session", "", nil)
		if err != nil {
			b.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusCreated {
			b.Fatalf("POST /backend/session: %d", res.StatusCode)
		}
	}
	b.ReportMetric(float64(heapInUse()-before)/float64(b.N), "session-B")
	runtime.KeepAlive(d)
}

// heapInUse is the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
