package cli

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestDemoWebServesUntilCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	outR, outW := io.Pipe()
	var stderr lockedBuffer
	exit := make(chan int, 1)
	go func() {
		code := Main(ctx, []string{"demo-web", "--addr", "127.0.0.1:0"}, Env{Stdin: strings.NewReader(""), Stdout: outW, Stderr: &stderr, Getenv: func(string) string { return "" }})
		outW.Close()
		exit <- code
	}()
	lines := bufio.NewScanner(outR)
	var url string
	var header []string
	for url == "" && lines.Scan() {
		header = append(header, lines.Text())
		if u, ok := strings.CutPrefix(lines.Text(), "listening on "); ok {
			url = u
		}
	}
	if url == "" {
		cancel()
		t.Fatalf("no 'listening on' line; stdout %q stderr %q (exit %d)", header, stderr.String(), <-exit)
	}
	if !strings.Contains(strings.Join(header, "\n"), "Open "+url+"/ in a browser") {
		t.Errorf("no URL to open in %q", header)
	}
	rest := make(chan string, 1)
	go func() { b, _ := io.ReadAll(outR); rest <- string(b) }()

	res, err := testClient.Get(url + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("GET /: %d %q, want the page", res.StatusCode, res.Header.Get("Content-Type"))
	}
	res, err = testClient.Post(url+"/backend/session", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Errorf("POST /backend/session: %d, want 201: the backend creates the session's channel through /api/", res.StatusCode)
	}

	cancel()
	if code := <-exit; code != exitOK {
		t.Errorf("exit %d after cancel, want 0; stderr %q", code, stderr.String())
	}
	if out := <-rest; out != "stopped\n" {
		t.Errorf("after the URL, stdout %q, want \"stopped\\n\"", out)
	}
}

func TestDemoWebUsage(t *testing.T) {
	t.Parallel()
	if code, stdout, _ := run(t, "demo-web", "--help"); code != exitOK || !strings.Contains(stdout, "Usage: hubmessage demo-web") {
		t.Errorf("--help: exit %d stdout %q", code, stdout)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--addr", "0.0.0.0:8090"}, "hubmessage demo-web: --addr 0.0.0.0:8090: the host must be loopback"},
		{[]string{"--addr", "example.com:80"}, "the host must be loopback"},
		{[]string{"--addr", "8090"}, `--addr "8090": want HOST:PORT`},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"--port", "1"}, "unknown flag --port"},
		{[]string{"--addr", "--secret-key=sk_live_never_shown"}, "unknown flag --secret-key"}, // not --addr's value
	} {
		code, _, stderr := run(t, append([]string{"demo-web"}, tc.args...)...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) || !strings.Contains(stderr, "hubmessage demo-web --help") {
			t.Errorf("%q: exit %d stderr %q, want exit %d and %q", tc.args, code, stderr, exitUsage, tc.want)
		}
		if strings.Contains(stderr, "sk_live") {
			t.Errorf("%q: stderr %q repeats a key", tc.args, stderr)
		}
	}
}
