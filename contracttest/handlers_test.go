package contracttest_test

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"sync"
)

// The handlers in this file answer like the Hub Message API, written by hand without the kit
// (no kin-openapi), so the kit is tested against an independent implementation.

const (
	secretKey   = "sk_test_contract_kit"
	knownHex    = "019E4C54B1B375A28970B605CA9B03C3"
	knownUUID   = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
	unknownHex  = "00000000000000000000000000000000"
	connectPath = "/v1/channels/" + knownHex + "/connect"
	// Codes the conformant handler treats specially, so tests can reach every documented status.
	codeUsed     = "USED"
	codeUpstream = "UPSTREAM"
	codeCrash    = "CRASH"
)

var (
	connectRoute = regexp.MustCompile(`^/v1/channels/([^/]+)/connect$`)
	channelID    = regexp.MustCompile(`^([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}|[0-9A-Fa-f]{32})$`)
	digits       = regexp.MustCompile(`^[0-9]+$`)
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"error": status, "message": msg})
}

// conformantAPI is a correct server for the spec: 404 unknown path, 405 with Allow, 401 before
// anything else, 400 for invalid input, 404 unknown channel, 422/502/500 on special codes.
func conformantAPI() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := connectRoute.FindStringSubmatch(r.URL.Path)
		if m == nil {
			writeErr(w, 404, "Not found")
			return
		}
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeErr(w, 405, "Method not allowed")
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+secretKey {
			writeErr(w, 401, "Unauthorized")
			return
		}
		if !channelID.MatchString(m[1]) {
			writeErr(w, 400, "channelId: must be a UUID or 32 hexadecimal digits")
			return
		}
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
			writeErr(w, 400, "Content-Type must be application/json")
			return
		}
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			writeErr(w, 400, "body: "+err.Error())
			return
		}
		if msg := checkBody(body); msg != "" {
			writeErr(w, 400, msg)
			return
		}
		if !strings.EqualFold(m[1], knownHex) && !strings.EqualFold(m[1], knownUUID) {
			writeErr(w, 404, "Channel not found")
			return
		}
		switch body["code"] {
		case codeUsed:
			writeErr(w, 422, "CODE_ALREADY_USED")
		case codeUpstream:
			writeErr(w, 502, "Integration error")
		case codeCrash:
			writeErr(w, 500, "Internal server error")
		default:
			writeJSON(w, 200, map[string]any{"success": true})
		}
	})
}

func checkBody(body map[string]any) string {
	for _, name := range []string{"wabaId", "phoneId"} {
		s, ok := body[name].(string)
		if !ok || len(s) < 1 || len(s) > 32 || !digits.MatchString(s) {
			return name + ": must be 1 to 32 decimal digits"
		}
	}
	if s, ok := body["code"].(string); !ok || len(s) < 1 || len(s) > 4096 {
		return "code: must be a string of 1 to 4096 characters"
	}
	if _, ok := body["coexistence"].(bool); !ok {
		return "coexistence: must be a boolean"
	}
	return ""
}

// omitsSuccess answers a successful connect with {} instead of {"success":true}.
func omitsSuccess() http.Handler {
	return rewrite(func(status int, body string) (int, string, string) {
		if status == 200 {
			return 200, "application/json", `{}`
		}
		return status, "application/json", body
	})
}

// plainTextErrors answers 401 with a text/plain body instead of the Error shape.
func plainTextErrors() http.Handler {
	return rewrite(func(status int, body string) (int, string, string) {
		if status == 401 {
			return 401, "text/plain; charset=utf-8", "Unauthorized\n"
		}
		return status, "application/json", body
	})
}

// rewrite runs the conformant API and lets f change its status, content type and body.
func rewrite(f func(status int, body string) (int, string, string)) http.Handler {
	api := conformantAPI()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &bufferedWriter{header: http.Header{}}
		api.ServeHTTP(rec, r)
		status, ct, body := f(rec.status, rec.body.String())
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(status)
		w.Write([]byte(body))
	})
}

type bufferedWriter struct {
	header http.Header
	status int
	body   strings.Builder
}

func (b *bufferedWriter) Header() http.Header { return b.header }
func (b *bufferedWriter) WriteHeader(s int)   { b.status = s }
func (b *bufferedWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = 200
	}
	return b.body.Write(p)
}

// fakeTB records what a test would have been told.
type fakeTB struct {
	mu     sync.Mutex
	errors []string
	fatals []string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fatals = append(f.fatals, fmt.Sprintf(format, args...))
}
func (f *fakeTB) failures() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append(append([]string(nil), f.errors...), f.fatals...)
}
