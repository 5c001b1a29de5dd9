package mocktest_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/hubmessage/hubmessage-go/mockserver"
	"github.com/hubmessage/hubmessage-go/mockserver/mocktest"
)

func TestStart(t *testing.T) {
	t.Parallel()
	var url string
	t.Run("serve", func(t *testing.T) {
		ts := mocktest.Start(t, mockserver.WithSecretKey("sk_test_mocktest"))
		if ts.SecretKey != "sk_test_mocktest" || ts.Server.SecretKey() != ts.SecretKey {
			t.Errorf("SecretKey %q, Server.SecretKey %q; want the key given", ts.SecretKey, ts.Server.SecretKey())
		}
		res, err := http.Get(ts.URL + "/v1/channels/" + mockserver.ChannelUUID + "/connect")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("GET connect: %d, want 405 from the reference server", res.StatusCode)
		}
		url = ts.URL
	})
	// The subtest has ended: its server is closed.
	if res, err := http.Get(url); err == nil {
		res.Body.Close()
		t.Errorf("%s still answers after its test ended", url)
	}
}

func TestServerNeverPrintsTheKey(t *testing.T) {
	t.Parallel()
	const key = "sk_test_do_not_print"
	ts := mocktest.Start(t, mockserver.WithSecretKey(key))
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		for name, v := range map[string]any{"*Server": ts, "Server": *ts} {
			if out := fmt.Sprintf(format, v); strings.Contains(out, key) || !strings.Contains(out, ts.URL) {
				t.Errorf("%s of %s: %s; want the URL and not the key", format, name, out)
			}
		}
	}
}

// fatalTB records Fatalf instead of stopping the test.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}

func (f *fatalTB) Fatalf(format string, args ...any) { f.msg = fmt.Sprintf(format, args...) }

func TestStartFailsOnABadOption(t *testing.T) {
	t.Parallel()
	tb := &fatalTB{TB: t}
	if ts := mocktest.Start(tb, mockserver.WithSecretKey("sk bad")); ts != nil {
		t.Error("Start returned a server for an invalid option")
	}
	if !strings.Contains(tb.msg, "mocktest.Start: mockserver: WithSecretKey") || strings.Contains(tb.msg, "sk bad") {
		t.Errorf("Fatalf message %q; want one naming the option, without the key", tb.msg)
	}
}
