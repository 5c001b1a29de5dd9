package cli

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hubmessage/hubmessage-go/internal/secretkey"
)

// --emit-go-test writes a test that replays the failures against the server named by the
// variables verify reads, imports no package of this module, and says which variables to set;
// with only failures a test cannot check without the spec it writes nothing, saying why.
func TestVerifyEmitGoTestNamesTheVariables(t *testing.T) {
	t.Parallel()
	server := func(status int) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(status) }))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	teapot := server(http.StatusTeapot)
	env := map[string]string{secretkey.EnvVar: verifyKey}
	for _, tc := range []struct {
		name    string
		args    []string
		stderr  string // after "hubmessage verify: " and before or after the file's name
		written bool
	}{
		{"with the key", []string{"--base-url", teapot}, "failed cases (those with a wrong status) replayed in %s: go test it with " + envBaseURL + " and " + secretkey.EnvVar + " set", true},
		{"no case sent the key", []string{"--base-url", teapot, "--no-auth"}, "failed cases replayed in %s: go test it with " + envBaseURL + " set", true},
		// A 401 is the status every --no-auth case wants: they fail on the missing error body only.
		{"only wanted statuses", []string{"--base-url", server(http.StatusUnauthorized), "--no-auth"}, "every failed case got a status it wanted (only verify checks headers and bodies); %s not written", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			file := filepath.Join(t.TempDir(), "regress_test.go")
			code, _, stderr := runWithEnv(t, env, append([]string{"verify", "--emit-go-test", file}, tc.args...)...)
			if want := strings.ReplaceAll(tc.stderr, "%s", file); code != exitFail || !strings.Contains(stderr, want) {
				t.Errorf("exit %d, stderr:\n%s\nwant a line holding %q", code, stderr, want)
			}
			src, err := os.ReadFile(file)
			if (err == nil) != tc.written {
				t.Fatalf("written: %v, want %v", err == nil, tc.written)
			}
			if !tc.written {
				return
			}
			// The emitted test reads the variables verify reads, and the key only from them.
			for _, v := range []string{envBaseURL, secretkey.EnvVar} {
				if !strings.Contains(string(src), "os.Getenv("+strconv.Quote(v)+")") {
					t.Errorf("the emitted test does not read $%s:\n%s", v, src)
				}
			}
			if strings.Contains(string(src), "hubmessage-go/") || strings.Contains(string(src), verifyKey) {
				t.Errorf("the emitted test imports this module or holds the key:\n%s", src)
			}
		})
	}
}
