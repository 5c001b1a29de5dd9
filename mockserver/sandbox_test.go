package mockserver_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hubmessage/hubmessage-go/gen"
	"github.com/hubmessage/hubmessage-go/mockserver"
	"github.com/hubmessage/hubmessage-go/mockserver/mocktest"
)

// Two keys of one sandbox never see each other's channels, codes or deletions; the server's
// own key is the Go API's.
func TestSandboxKeysAreIsolated(t *testing.T) {
	t.Parallel()
	ts := mocktest.Start(t, mockserver.WithSandbox(mockserver.SandboxConfig{}))
	const keyA, keyB = "sk_ci_job_a", "sk_ci_job_b"
	call := func(key, method, path, body string) string {
		t.Helper()
		return send(t, ts, withKey(t, ts.URL, key, method, path, body)).outcome(t)
	}
	res := send(t, ts, withKey(t, ts.URL, keyA, http.MethodPost, "/v1/channels", createBody(mockserver.BotTelegram)))
	var created gen.CreateChannelResponse
	if err := json.Unmarshal(res.body, &created); err != nil || res.status != 201 {
		t.Fatalf("create with key A: %d %s", res.status, res.body)
	}
	idA := created.Id
	for _, step := range []struct{ key, method, path, body, want string }{
		{keyA, http.MethodPut, "/v1/channels/" + idA + "/disconnect", "", "200 true"},
		{keyB, http.MethodPut, "/v1/channels/" + idA + "/disconnect", "", "404 Channel not found"},
		{keyB, http.MethodDelete, "/v1/channels/" + idA, "", "404 Instance not found"},
		{keyA, http.MethodPost, connectPath(mockserver.ChannelUUID), payload("shared-code"), `200 {"success":true}`},
		// B's seeded channel is not connected and the code is unused in B's account.
		{keyB, http.MethodPost, connectPath(mockserver.ChannelUUID), payload("shared-code"), `200 {"success":true}`},
		{keyA, http.MethodDelete, "/v1/channels/" + mockserver.ChannelHex, "", "204"},
		{keyB, http.MethodPut, "/v1/channels/" + mockserver.ChannelHex + "/disconnect", "", "200 true"},
		{keyA, http.MethodPut, "/v1/channels/" + mockserver.ChannelHex + "/disconnect", "", "404 Channel not found"},
		{"sk_not_ascii_\u00e9", http.MethodPut, "/v1/channels/" + mockserver.ChannelHex + "/disconnect", "", "401 Unauthorized"},
	} {
		if got := call(step.key, step.method, step.path, step.body); got != step.want {
			t.Errorf("%s %s with %s: %s, want %s", step.method, step.path, step.key, got, step.want)
		}
	}
	// The Go API is the server's own key's account: none of the above touched it.
	if _, ok := ts.Server.Channel(idA); ok {
		t.Error("the Go API sees key A's channel")
	}
	if ch, ok := ts.Server.Channel(mockserver.ChannelHex); !ok || ch.Connected {
		t.Errorf("own account's %s: %+v, %v; want it untouched", mockserver.ChannelHex, ch, ok)
	}
	own := mustCreate(t, ts, mockserver.MetaInstagram)
	if _, ok := ts.Server.Channel(own); !ok {
		t.Error("the Go API does not see a channel created with the server's own key")
	}
}

// serveKey answers one request with Secret Key key in-process (no network, so synctest's clock
// applies), checked against the spec.
func serveKey(t *testing.T, s *mockserver.Server, key, method, path, body string) response {
	t.Helper()
	req := withKey(t, "", key, method, path, body)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	res := response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	checkDocumented(t, req, res.status, res.header, res.body)
	return res
}

// The cap: past MaxKeys a new key is answered 503, in the spec's shape (the server's own
// contract middleware passed it), with Retry-After the time until the least recently used key
// expires, rounded up; an expired key frees its place and starts afresh.
func TestSandboxCapAndExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var logs syncBuffer
		s, err := mockserver.New(mockserver.WithSandbox(mockserver.SandboxConfig{MaxKeys: 2, IdleTimeout: time.Minute}),
			mockserver.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
		if err != nil {
			t.Fatal(err)
		}
		const key1, key2, key3 = "sk_key_one", "sk_key_two", "sk_key_three"
		disconnectPath := "/v1/channels/" + mockserver.ChannelHex + "/disconnect"
		deletePath := "/v1/channels/" + mockserver.ChannelHex
		step := func(key, method, path, want string) response {
			t.Helper()
			res := serveKey(t, s, key, method, path, "")
			if got := res.outcome(t); !strings.HasPrefix(got, want) {
				t.Fatalf("%s %s with %s: %s, want %s", method, path, key, got, want)
			}
			return res
		}

		step(key1, http.MethodDelete, deletePath, "204") // t=0: key1 deletes its ChannelHex
		time.Sleep(20*time.Second + 500*time.Millisecond)
		step(key2, http.MethodPut, disconnectPath, "200 true") // t=20.5s
		full := step(key3, http.MethodPut, disconnectPath, "503 sandbox is full: 2 Secret Keys active; retry after 40s")
		if got := full.header.Get("Retry-After"); got != "40" { // key1 expires at t=60s: 39.5s, rounded up
			t.Errorf("Retry-After %q, want 40", got)
		}
		if got := serveKey(t, s, key3, http.MethodPost, "/v1/channels", createBody(mockserver.MetaWhatsApp)).outcome(t); !strings.HasPrefix(got, "503") {
			t.Errorf("create with a key past the cap: %s, want 503", got)
		}

		time.Sleep(40 * time.Second) // t=60.5s: key1, last seen at 0, has expired
		step(key3, http.MethodPut, disconnectPath, "200 true")
		full = step(key1, http.MethodPut, disconnectPath, "503 sandbox is full: 2 Secret Keys active; retry after 20s")
		if got := full.header.Get("Retry-After"); got != "20" { // key2, last seen at 20.5s, expires at 80.5s
			t.Errorf("Retry-After %q, want 20", got)
		}
		step(key3, http.MethodPut, disconnectPath, "200 true") // a key with a state is served when full

		time.Sleep(20 * time.Second) // t=80.5s: key2 expires
		// key1 is back with a fresh state: the ChannelHex it deleted is seeded again.
		step(key1, http.MethodPut, disconnectPath, "200 true")
		step(key1, http.MethodDelete, deletePath, "204")

		// The server's own key is not counted and never expires.
		step(s.SecretKey(), http.MethodPut, disconnectPath, "200 true")
		time.Sleep(time.Hour)
		if _, ok := s.Channel(mockserver.ChannelHex); !ok {
			t.Error("the server's own account lost its channel")
		}

		out := logs.String()
		if !strings.Contains(out, "sandbox is full") {
			t.Errorf("a full sandbox is not logged: %q", out)
		}
		for _, key := range []string{key1, key2, key3, s.SecretKey()} {
			if strings.Contains(out, key) {
				t.Errorf("logs contain key %q", key)
			}
		}
	})
}

// A full sandbox still answers Prefer (which needs no state) and 401 for a malformed key.
func TestSandboxFullStillChecksKeys(t *testing.T) {
	t.Parallel()
	s, err := mockserver.New(mockserver.WithSandbox(mockserver.SandboxConfig{MaxKeys: 1}))
	if err != nil {
		t.Fatal(err)
	}
	serveKey(t, s, "sk_first", http.MethodPut, "/v1/channels/"+mockserver.ChannelHex+"/disconnect", "")
	if got := serveKey(t, s, "sk_second\u00ff", http.MethodPut, "/v1/channels/"+mockserver.ChannelHex+"/disconnect", "").outcome(t); got != "401 Unauthorized" {
		t.Errorf("malformed key: %s", got)
	}
	req := withKey(t, "", "sk_second", http.MethodPut, "/v1/channels/"+mockserver.ChannelHex+"/disconnect", "")
	req.Header.Set("Prefer", "code=200")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Errorf("Prefer on a full sandbox: %d %s", rec.Code, rec.Body)
	}
}

// One WithSandbox option may configure several servers, even at once: each keeps its own
// settings (the race detector saw one server read what another's New wrote).
func TestWithSandboxServesSeveralServers(t *testing.T) {
	t.Parallel()
	opt := mockserver.WithSandbox(mockserver.SandboxConfig{MaxKeys: 1})
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			ts := mocktest.Start(t, opt)
			for _, key := range []string{"sk_first", "sk_second"} {
				req := withKey(t, ts.URL, key, http.MethodPost, "/v1/channels", createBody(mockserver.BotTelegram))
				res, err := testClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				res.Body.Close()
				if want := map[string]int{"sk_first": 201, "sk_second": 503}[key]; res.StatusCode != want {
					t.Errorf("%s: %d, want %d (MaxKeys 1)", key, res.StatusCode, want)
				}
			}
		})
	}
	wg.Wait()
}

// One key may hold only so much: past MaxChannels create answers 503 with Retry-After (and a
// deleted channel frees its place), past MaxCodes a connect that would use one more code
// answers 503 and connects nothing; other keys, the server's own and the key after its idle
// timeout are not held back. (Before the caps one key created 743,046 channels in 60 s.)
func TestSandboxBoundsWhatAKeyHolds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, err := mockserver.New(mockserver.WithSandbox(mockserver.SandboxConfig{MaxChannels: 5, MaxCodes: 2, IdleTimeout: time.Minute}))
		if err != nil {
			t.Fatal(err)
		}
		const key, other = "sk_greedy_job", "sk_other_job"
		step := func(key, method, path, body, want string) response {
			t.Helper()
			res := serveKey(t, s, key, method, path, body)
			if got := res.outcome(t); !strings.HasPrefix(got, want) {
				t.Fatalf("%s %s with %s: %s, want %s", method, path, key, got, want)
			}
			return res
		}
		create := func(key, want string) response {
			t.Helper()
			return step(key, http.MethodPost, "/v1/channels", createBody(mockserver.BotTelegram), want)
		}
		create(key, "201") // the 3 seeded channels count: 4
		last := create(key, "201")
		full := create(key, "503 this Secret Key holds 5 channels, the most a sandbox key may; its state starts afresh after 1m0s without a request")
		if got := full.header.Get("Retry-After"); got != "60" {
			t.Errorf("Retry-After %q, want 60", got)
		}
		var created gen.CreateChannelResponse
		if err := json.Unmarshal(last.body, &created); err != nil {
			t.Fatal(err)
		}
		for range 3 { // a deleted channel frees its place, however often
			step(key, http.MethodDelete, "/v1/channels/"+created.Id, "", "204")
			step(key, http.MethodDelete, "/v1/channels/"+created.Id, "", "404") // and stays deleted
			if err := json.Unmarshal(create(key, "201").body, &created); err != nil {
				t.Fatal(err)
			}
		}

		for _, code := range []string{"code-one", "code-two"} {
			step(key, http.MethodPost, connectPath(mockserver.ChannelUUID), payload(code), "200")
			step(key, http.MethodPut, "/v1/channels/"+mockserver.ChannelUUID+"/disconnect", "", "200")
		}
		step(key, http.MethodPost, connectPath(mockserver.ChannelUUID), payload("code-three"), "503 this Secret Key holds 2 used codes")
		step(key, http.MethodDelete, "/v1/channels/"+mockserver.ChannelUUID, "", "204") // not connected by the 503
		step(key, http.MethodPost, connectPath(mockserver.ChannelHex), payload("code-one"), "422 CODE_ALREADY_USED")

		create(other, "201")
		for range 5 {
			mustCreateWith(t, s, s.SecretKey())
		}
		time.Sleep(time.Minute) // idle: the key starts afresh
		create(key, "201")
		create(key, "201")
		step(key, http.MethodPost, connectPath(mockserver.ChannelUUID), payload("code-three"), "200")
	})
}

// mustCreateWith creates a channel with key, in-process.
func mustCreateWith(t *testing.T, s *mockserver.Server, key string) {
	t.Helper()
	if res := serveKey(t, s, key, http.MethodPost, "/v1/channels", createBody(mockserver.MetaWhatsApp)); res.status != 201 {
		t.Fatalf("create with the server's own key: %d %s", res.status, res.body)
	}
}

// BenchmarkSandboxFullKey fills one new key per op to the default bounds:
// DefaultSandboxMaxChannels channels, named as the spec's example or with its longest name
// (1,024 four-byte characters), DefaultSandboxMaxCodes used codes and MaxQueuedResponses
// queued answers. full-key-B is the memory one such key holds; times DefaultSandboxMaxKeys,
// the sandbox's.
func BenchmarkSandboxFullKey(b *testing.B) {
	for _, name := range []string{"Sales channel", strings.Repeat("\U0001F4AC", 1024)} {
		b.Run(fmt.Sprintf("name-bytes=%d", len(name)), func(b *testing.B) {
			s, err := mockserver.New(mockserver.WithSandbox(mockserver.SandboxConfig{MaxKeys: 1 << 20}))
			if err != nil {
				b.Fatal(err)
			}
			before := heapInUse()
			for i := 0; b.Loop(); i++ {
				fillKey(b, s, fmt.Sprintf("sk_full_key_%d", i), name)
			}
			b.ReportMetric(float64(heapInUse()-before)/float64(b.N), "full-key-B")
			runtime.KeepAlive(s) // the keys live in it
		})
	}
}

// fillKey takes key's state to every default bound.
func fillKey(b *testing.B, s *mockserver.Server, key, name string) {
	do := func(method, path, body string, want int) {
		req := withKey(b, "", key, method, path, body)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != want {
			b.Fatalf("%s %s: %d %s, want %d", method, path, rec.Code, rec.Body, want)
		}
	}
	for range mockserver.DefaultSandboxMaxChannels - 3 { // the seeded three count
		do(http.MethodPost, "/v1/channels", `{"name":"`+name+`","type":"META_WHATSAPP"}`, 201)
	}
	for c := range mockserver.DefaultSandboxMaxCodes {
		do(http.MethodPost, connectPath(mockserver.ChannelUUID), payload(fmt.Sprintf("%s-code-%d", key, c)), 200)
		do(http.MethodPut, "/v1/channels/"+mockserver.ChannelUUID+"/disconnect", "", 200)
	}
	statuses := strings.TrimSuffix(strings.Repeat("502,", mockserver.MaxQueuedResponses), ",")
	do(http.MethodPost, "/_mock/scenarios", `{"operationId":"partnerDeleteChannel","statuses":[`+statuses+`]}`, 201)
	do(http.MethodPost, "/v1/channels", `{"name":"one too many","type":"META_WHATSAPP"}`, 503)
}

// heapInUse is the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
