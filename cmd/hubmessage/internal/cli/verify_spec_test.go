package cli

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hubmessage/hubmessage-go/contracttest"
	"github.com/hubmessage/hubmessage-go/internal/secretkey"
	"github.com/hubmessage/hubmessage-go/mockserver"
	"github.com/hubmessage/hubmessage-go/openapi"
)

// specServer is a server conformant to the spec at path, built from the spec alone: the kit's
// enforcing middleware (with key, if not "") in front of the spec's examples.
func specServer(t *testing.T, path, key string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi.Parse(path, data)
	if err != nil {
		t.Fatal(err)
	}
	var opts []contracttest.Option
	if key != "" {
		opts = append(opts, contracttest.WithSecretKey(key))
	}
	v, err := contracttest.NewForSpec(doc, opts...)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := mockserver.NewExamples(doc)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(v.Middleware(ex))
	t.Cleanup(srv.Close)
	return srv.URL
}

// verify --spec checks any OpenAPI 3.0 document, here one with other names than this API's: a
// conformant server passes, a server that accepts anything fails, and where the spec declares
// no security no key is needed.
func TestVerifySpec(t *testing.T) {
	t.Parallel()
	const spec, key = "testdata/shelf.yaml", "sk_shelf_key"
	env := map[string]string{secretkey.EnvVar: key, envBaseURL: specServer(t, spec, key)}
	code, stdout, stderr := runWithEnv(t, env, "verify", "--spec", spec)
	if code != exitOK || !strings.Contains(stdout, "PASS negative_data_rejection/addBook/body/title/min_length") ||
		!strings.Contains(stdout, "PASS ignored_auth/removeBook/no_token") || strings.Contains(stdout, "Channel") {
		t.Errorf("conformant server: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}

	anything := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		w.Write([]byte(`{"ref":"b1"}`))
	}))
	t.Cleanup(anything.Close)
	env[envBaseURL] = anything.URL
	if code, stdout, _ := runWithEnv(t, env, "verify", "--spec", spec); code != exitFail || !strings.Contains(stdout, "FAIL negative_data_rejection/addBook/body/title/min_length") {
		t.Errorf("a server that accepts anything: exit %d\n%s", code, stdout)
	}

	open := filepath.Join(t.TempDir(), "open-shelf.yaml") // the same shelf without security
	data, err := os.ReadFile(spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(open, []byte(strings.Replace(string(data), "security:\n  - token: []\n", "", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	noKey := map[string]string{envBaseURL: specServer(t, open, "")}
	if code, stdout, stderr := runWithEnv(t, noKey, "verify", "--spec", open); code != exitOK || strings.Contains(stdout, "ignored_auth") {
		t.Errorf("a spec without security, no key: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}

// A --spec that is missing, not a valid OpenAPI 3.0 document, or one the kit cannot route is a
// usage error naming the flag, before anything is sent.
func TestVerifySpecErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("openapi: 3.0.3\ninfo: {title: x}\npaths: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	overlap := filepath.Join(dir, "overlap.yaml") // valid OpenAPI, but its two paths both match /a/b
	if err := os.WriteFile(overlap, []byte(`openapi: 3.0.3
info: {title: x, version: "1"}
paths:
  /a/{x}:
    get:
      parameters: [{name: x, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: ok}}
  /{y}/b:
    get:
      parameters: [{name: y, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: ok}}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{secretkey.EnvVar: "sk_x", envBaseURL: "http://127.0.0.1:1"}
	for file, want := range map[string]string{
		overlap:                            "--spec " + overlap + ": contracttest: build router: conflicting paths",
		filepath.Join(dir, "missing.yaml"): "--spec " + filepath.Join(dir, "missing.yaml") + ": open ",
		bad:                                "--spec " + bad + ": bad.yaml: ",
	} {
		code, stdout, stderr := runWithEnv(t, env, "verify", "--spec", file)
		if code != exitUsage || stdout != "" || !strings.HasPrefix(stderr, "hubmessage verify: "+want) {
			t.Errorf("--spec %s: exit %d, stdout %q, stderr %q; want %d and %q", file, code, stdout, stderr, exitUsage, want)
		}
	}
}
