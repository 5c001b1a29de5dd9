package mockserver_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/hubmessage/hubmessage-go/mockserver"
	"github.com/hubmessage/hubmessage-go/mockserver/mocktest"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestLogs(t *testing.T) {
	t.Parallel()
	const key, code = "sk_test_log_secret", "CODE_SHOULD_NOT_BE_LOGGED"
	var buf syncBuffer
	ts := mocktest.Start(t, mockserver.WithSecretKey(key),
		mockserver.WithLogger(slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))))

	connect(t, ts, mockserver.ChannelUUID, code)
	connect(t, ts, mockserver.ChannelUUID, code) // CODE_ALREADY_USED
	bad := connectRequest(t, ts, mockserver.ChannelHex, `{"wabaId":"1","phoneId":"x","code":"`+code+`","coexistence":1}`)
	send(t, ts, bad)
	wrongKey := connectRequest(t, ts, mockserver.ChannelHex, payload(code))
	wrongKey.Header.Set("Authorization", "Bearer "+key+"x")
	send(t, ts, wrongKey)
	get, _ := http.NewRequest(http.MethodGet, ts.URL+connectPath(mockserver.ChannelHex), nil)
	send(t, ts, get)
	unknown, _ := http.NewRequest(http.MethodPost, ts.URL+"/v1/"+code, nil)
	send(t, ts, unknown)

	out := buf.String()
	for _, secret := range []string{key, code} {
		if strings.Contains(out, secret) {
			t.Errorf("logs contain %q:\n%s", secret, out)
		}
	}
	type line struct {
		Msg      string
		Method   string
		Path     string
		Status   int
		Duration float64
	}
	var got []line
	for _, raw := range strings.Split(strings.TrimSpace(out), "\n") {
		var l line
		if err := json.Unmarshal([]byte(raw), &l); err != nil {
			t.Fatalf("log line %q: %v", raw, err)
		}
		if l.Duration <= 0 {
			t.Errorf("log line %q has no duration", raw)
		}
		got = append(got, l)
	}
	const tmpl = "/v1/channels/{channelId}/connect"
	want := []line{
		{"request", "POST", tmpl, 200, 0},
		{"request", "POST", tmpl, 422, 0},
		{"request", "POST", tmpl, 400, 0},
		{"request", "POST", tmpl, 401, 0},
		{"request", "GET", tmpl, 405, 0},
		{"request", "POST", "(unmatched)", 404, 0},
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(line{}, "Duration")); diff != "" {
		t.Errorf("log lines (-want +got):\n%s", diff)
	}
}

// Request lines are at level Debug: a logger at Info (what a terminal wants) gets none.
func TestLogsNoRequestLinesAtInfo(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	ts := mocktest.Start(t, mockserver.WithLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))))
	mustConnect(t, ts, mockserver.ChannelUUID, "info-code")
	mustCreate(t, ts, mockserver.BotTelegram)
	if out := buf.String(); out != "" {
		t.Errorf("request lines at Info: %q", out)
	}
}
