package cli

import (
	"testing"

	"github.com/hubmessage/hubmessage-go/internal/secretkey"
)

// TestConnectIsADeprecatedAlias: `hubmessage connect` still connects, with the same flags, and
// says once, on stderr, what replaces it.
func TestConnectIsADeprecatedAlias(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, nil)
	env := map[string]string{secretkey.EnvVar: testKey}
	args := []string{"--base-url", api.URL + "/hub", "--channel", hexChannel, "--waba", "1", "--phone", "2", "--code", "C"}
	for _, tc := range []struct {
		name       string
		cmd        []string
		wantStderr string
	}{
		{"connect", []string{"connect"}, "hubmessage connect: deprecated; use 'hubmessage channel connect' (same flags)\n"},
		{"channel connect", []string{"channel", "connect"}, ""},
	} {
		code, stdout, stderr := runCLI(t, env, "", append(tc.cmd, args...)...)
		if code != exitOK || stdout != "channel "+hexChannel+" connected\n" || stderr != tc.wantStderr {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 0, connected, %q", tc.name, code, stdout, stderr, tc.wantStderr)
		}
	}
	if n := len(api.requests()); n != 2 {
		t.Errorf("API saw %d requests, want 2", n)
	}
}
