package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/hubmessage/hubmessage-go/mockserver/mocktest"
)

// TestChannelBinary runs the built binary's channel commands against the reference server, as
// a script would: the key and base URL from the environment, one JSON object on stdout, and
// the exit status.
func TestChannelBinary(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	ts := mocktest.Start(t)
	run := func(args ...string) (map[string]any, int) {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"channel"}, args...)...)
		cmd.Env = append(os.Environ(), "HUBMESSAGE_SECRET_KEY="+ts.SecretKey, "HUBMESSAGE_BASE_URL="+ts.URL)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		code := 0
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			code = exitErr.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		var v map[string]any
		if err := json.Unmarshal(out, &v); err != nil || stderr.Len() != 0 {
			t.Fatalf("%v: stdout %q (%v), stderr %q; want one JSON object and nothing on stderr", args, out, err, stderr.String())
		}
		if strings.Contains(string(out), ts.SecretKey) {
			t.Errorf("%v printed the Secret Key", args)
		}
		return v, code
	}
	created, code := run("create", "--json", "--name", "Binary test", "--type", "META_MESSENGER")
	id, _ := created["channelId"].(string)
	if code != 0 || id == "" {
		t.Fatalf("create: exit %d, %v", code, created)
	}
	if v, code := run("connect", "--json", "--channel", id, "--waba", "1", "--phone", "2", "--code", "BIN-1"); code != 1 || errorField(v, "message") != "CHANNEL_TYPE_NOT_SUPPORTED" {
		t.Errorf("connect a Messenger channel: exit %d, %v; want 1 and CHANNEL_TYPE_NOT_SUPPORTED", code, v)
	}
	if v, code := run("delete", "--json", "--channel", id); code != 0 || v["deleted"] != true {
		t.Errorf("delete: exit %d, %v", code, v)
	}
	if v, code := run("delete", "--json", "--channel", "not-an-id"); code != 2 || errorField(v, "reason") != "--channel: must be a UUID or 32 hexadecimal digits" {
		t.Errorf("delete a malformed id: exit %d, %v; want 2 and an error", code, v)
	}
}

// errorField returns a field of the {"error": {...}} object v, nil when absent.
func errorField(v map[string]any, name string) any {
	e, _ := v["error"].(map[string]any)
	return e[name]
}
