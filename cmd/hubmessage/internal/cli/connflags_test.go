package cli

import (
	"strings"
	"testing"

	"github.com/hubmessage/hubmessage-go/client"
	"github.com/hubmessage/hubmessage-go/internal/secretkey"
)

// An unreachable server's advice names where its base URL came from, and with none given,
// that the default is the real API and which flag or variable picks another.
func TestUnreachableAdviceNamesTheBaseURLsSource(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, nil, "The base URL is the default, " + client.DefaultBaseURL + ": to reach another server (a mock, say), set --base-url or $HUBMESSAGE_BASE_URL."},
		{map[string]string{envBaseURL: "http://127.0.0.1:9"}, nil, "Check $HUBMESSAGE_BASE_URL (http://127.0.0.1:9), and that the server is reachable from here."},
		{map[string]string{envBaseURL: "http://127.0.0.1:9"}, []string{"--base-url", "http://127.0.0.1:7"}, "Check --base-url (http://127.0.0.1:7), and that"},
	} {
		f := &connFlags{}
		fs := newFlagSet("test")
		f.register(fs)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		env := map[string]string{secretkey.EnvVar: "sk_advice"}
		for k, v := range tc.env {
			env[k] = v
		}
		c, err := f.connect(Env{Getenv: func(k string) string { return env[k] }}, client.DefaultBaseURL)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.checkBaseURL(); !strings.HasPrefix(got, tc.want) {
			t.Errorf("%v %v: advice %q, want it to start %q", tc.env, tc.args, got, tc.want)
		}
	}
}
