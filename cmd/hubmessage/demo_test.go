package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestDemoBinary runs `hubmessage demo` as `make demo` does: it exits 0 on its own, and a
// Secret Key in the environment (perhaps a real one) is neither used nor printed.
func TestDemoBinary(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	const key = "sk_live_demo_binary_never_shown"
	cmd := exec.Command(bin, "demo")
	cmd.Env = append(os.Environ(), "HUBMESSAGE_SECRET_KEY="+key, "HUBMESSAGE_BASE_URL=https://api.invalid")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("hubmessage demo: %v, want exit 0\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	for _, want := range []string{"Step 7.", "All 7 steps behaved as documented", "Authorization: Bearer [REDACTED]"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
		}
	}
	if strings.Contains(stdout.String()+stderr.String(), key) {
		t.Error("the demo printed the key from HUBMESSAGE_SECRET_KEY")
	}
}
