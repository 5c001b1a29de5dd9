package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/hubmessage/hubmessage-go/contracttest"
)

// TestMockBinary builds the real binary, runs `hubmessage mock` on a free port, connects the
// seeded channel twice (the code is single-use) and stops it with SIGTERM.
func TestMockBinary(t *testing.T) {
	bin := buildBinary(t)

	const key = "sk_binary_test_key"
	cmd := exec.Command(bin, "mock", "--addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "HUBMESSAGE_SECRET_KEY="+key)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	var printed []string
	var url string
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		printed = append(printed, lines.Text())
		if u, ok := strings.CutPrefix(lines.Text(), "listening on "); ok {
			url = u
			break
		}
	}
	if url == "" || strings.HasSuffix(url, ":0") {
		t.Fatalf("no usable 'listening on' line in %q; stderr %q", printed, stderr.String())
	}
	rest := make(chan string, 1)
	go func() { b, _ := io.ReadAll(stdout); rest <- string(b) }()

	for i, want := range []struct {
		status int
		body   string
	}{
		{200, `{"success":true}`},
		{422, `{"error":422,"message":"CODE_ALREADY_USED"}`},
	} {
		status, body := post(t, url+"/v1/channels/a1b2c3d4-e5f6-7890-abcd-ef1234567890/connect", key,
			`{"wabaId":"428083093730937","phoneId":"123456789012345","code":"ABC123DEF456","coexistence":false}`)
		if status != want.status || body != want.body {
			t.Errorf("call %d: %d %s, want %d %s", i+1, status, body, want.status, want.body)
		}
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if waitErr := cmd.Wait(); waitErr != nil {
		t.Errorf("after SIGTERM: %v, want exit 0; stderr %q", waitErr, stderr.String())
	}
	out := strings.Join(printed, "\n") + <-rest + stderr.String()
	if strings.Contains(out, key) {
		t.Errorf("the binary printed the Secret Key it was given:\n%s", out)
	}
	if strings.Contains(out, "ABC123DEF456") {
		t.Errorf("the binary printed the code:\n%s", out)
	}
}

func post(t *testing.T, url, key, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if err := specValidator.ValidateResponse(req, res.StatusCode, res.Header, b); err != nil {
		t.Errorf("undocumented answer %d %s: %v", res.StatusCode, b, err)
	}
	return res.StatusCode, strings.TrimSpace(string(b))
}

// specValidator checks the answers these tests see against the spec.
var specValidator = func() *contracttest.Validator {
	v, err := contracttest.New()
	if err != nil {
		panic(err)
	}
	return v
}()
