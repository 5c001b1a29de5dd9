package client_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hubmessage/hubmessage-go/client"
)

func TestNewRejectsBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		key     string
		opts    []client.Option
		wantErr string // "" means New must succeed
	}{
		{name: "defaults", key: testKey},
		{name: "empty key", key: "", wantErr: "hubmessage: New: secretKey: must not be empty"},
		{name: "key with a space", key: testKey[:10] + " " + testKey[10:], wantErr: "secretKey: must not contain whitespace"},
		{name: "key with a trailing newline", key: testKey + "\n", wantErr: "secretKey: must not contain whitespace"},
		{name: "key with a control character", key: testKey + "\x00", wantErr: "secretKey: must hold only printable ASCII"},
		{name: "key with a non-ASCII letter", key: testKey + "é", wantErr: "secretKey: must hold only printable ASCII"},
		{name: "key with the Bearer prefix", key: "Bearer " + testKey, wantErr: `secretKey: pass the key alone, without the "Bearer " prefix`},
		{name: "base URL with a path", key: testKey, opts: []client.Option{client.WithBaseURL("https://proxy.example/hub")}},
		{name: "base URL unparsable", key: testKey, opts: []client.Option{client.WithBaseURL("http://[::1")}, wantErr: "WithBaseURL: not a URL"},
		{name: "base URL empty", key: testKey, opts: []client.Option{client.WithBaseURL("")}, wantErr: "WithBaseURL: empty"},
		{name: "base URL without scheme", key: testKey, opts: []client.Option{client.WithBaseURL("api.hubmessage.io")}, wantErr: "WithBaseURL: no scheme; add http:// or https://"},
		{name: "base URL host:port without scheme", key: testKey, opts: []client.Option{client.WithBaseURL("localhost:8080")}, wantErr: "WithBaseURL: no scheme; add http:// or https://"},
		{name: "base URL IP:port without scheme", key: testKey, opts: []client.Option{client.WithBaseURL("127.0.0.1:8080")}, wantErr: "WithBaseURL: no scheme; add http:// or https://"},
		{name: "base URL colons only", key: testKey, opts: []client.Option{client.WithBaseURL("::")}, wantErr: "WithBaseURL: no scheme"},
		{name: "base URL ftp", key: testKey, opts: []client.Option{client.WithBaseURL("ftp://api.hubmessage.io")}, wantErr: `scheme must be https or http, have "ftp"`},
		{name: "base URL without host", key: testKey, opts: []client.Option{client.WithBaseURL("https:///v1")}, wantErr: "WithBaseURL: no host"},
		{name: "base URL with user info", key: testKey, opts: []client.Option{client.WithBaseURL("https://user:pw@api.hubmessage.io")}, wantErr: "WithBaseURL: must not hold user info"},
		{name: "base URL with a query", key: testKey, opts: []client.Option{client.WithBaseURL("https://api.hubmessage.io/?x=1")}, wantErr: "must not hold a query or a fragment"},
		{name: "plain http to a remote host", key: testKey, opts: []client.Option{client.WithBaseURL("http://api.hubmessage.io")}, wantErr: "plain http to a non-loopback host"},
		{name: "plain http to a remote host, allowed", key: testKey, opts: []client.Option{client.WithBaseURL("http://api.hubmessage.io"), client.WithInsecureHTTP()}},
		{name: "plain http to 127.0.0.1", key: testKey, opts: []client.Option{client.WithBaseURL("http://127.0.0.1:8080/hub")}},
		{name: "plain http to 127.9.9.9", key: testKey, opts: []client.Option{client.WithBaseURL("http://127.9.9.9")}},
		{name: "plain http to ::1", key: testKey, opts: []client.Option{client.WithBaseURL("http://[::1]:8080")}},
		{name: "plain http to localhost", key: testKey, opts: []client.Option{client.WithBaseURL("http://localhost:8080")}},
		{name: "plain http to localhost.evil.example", key: testKey, opts: []client.Option{client.WithBaseURL("http://localhost.evil.example")}, wantErr: "plain http to a non-loopback host"},
		{name: "nil http client", key: testKey, opts: []client.Option{client.WithHTTPClient(nil)}, wantErr: "WithHTTPClient: nil *http.Client"},
		{name: "zero timeout", key: testKey, opts: []client.Option{client.WithTimeout(0)}, wantErr: "WithTimeout: must be positive, have 0s"},
		{name: "negative timeout", key: testKey, opts: []client.Option{client.WithTimeout(-time.Second)}, wantErr: "WithTimeout: must be positive"},
		{name: "empty user agent", key: testKey, opts: []client.Option{client.WithUserAgent(" ")}, wantErr: "WithUserAgent: empty"},
		{name: "user agent with a newline", key: testKey, opts: []client.Option{client.WithUserAgent("acme/1\r\nX-Evil: 1")}, wantErr: "WithUserAgent: non-ASCII or control character at byte 6"},
		{name: "zero retry policy", key: testKey, opts: []client.Option{client.WithRetryPolicy(client.RetryPolicy{})}, wantErr: "WithRetryPolicy: MaxAttempts must be at least 1"},
		{name: "negative base delay", key: testKey, opts: []client.Option{client.WithRetryPolicy(client.RetryPolicy{MaxAttempts: 2, BaseDelay: -1})}, wantErr: "BaseDelay must not be negative"},
		{name: "max delay below base delay", key: testKey, opts: []client.Option{client.WithRetryPolicy(client.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Second})}, wantErr: "MaxDelay (0s) must not be less than BaseDelay (1s)"},
		{name: "NoRetry", key: testKey, opts: []client.Option{client.WithRetryPolicy(client.NoRetry)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := client.New(tc.key, tc.opts...)
			if tc.wantErr == "" {
				if err != nil || c == nil {
					t.Fatalf("New = %v, %v; want a Client", c, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("New error = %v, want one containing %q", err, tc.wantErr)
			}
			if !strings.HasPrefix(err.Error(), "hubmessage: New: ") {
				t.Errorf("error %q does not name New", err)
			}
			// Every Option's failure says which Option, so a program can name its own flag.
			if option, _, _ := strings.Cut(tc.wantErr, ":"); strings.HasPrefix(option, "With") {
				var optErr *client.OptionError
				if !errors.As(err, &optErr) || optErr.Option != option || !strings.HasSuffix(err.Error(), optErr.Err.Error()) {
					t.Errorf("error %v holds no *OptionError for %s with the problem", err, option)
				}
			}
			if want := strings.Contains(tc.wantErr, "plain http"); errors.Is(err, client.ErrInsecureHTTP) != want {
				t.Errorf("errors.Is(%v, ErrInsecureHTTP) = %t, want %t", err, !want, want)
			}
			assertNoKey(t, "New error", err.Error())
		})
	}
}

func TestWithHTTPClientCopies(t *testing.T) {
	t.Parallel()
	srv := newAPIServer(t, replySuccess)
	hc := srv.Client()
	before := *hc
	c := newClient(t, srv, client.WithHTTPClient(hc), client.WithUserAgent("acme-backend/2.3 "+client.DefaultUserAgent))
	if _, err := c.ConnectChannel(context.Background(), hexChannel, validRequest); err != nil {
		t.Fatal(err)
	}
	if hc.CheckRedirect != nil || hc.Transport != before.Transport || hc.Timeout != before.Timeout || hc.Jar != before.Jar {
		t.Error("New modified the caller's *http.Client")
	}
	if got, want := srv.requests()[0].Header.Get("User-Agent"), "acme-backend/2.3 "+client.DefaultUserAgent; got != want {
		t.Errorf("User-Agent = %q, want %q", got, want)
	}
}

func TestDefaultUserAgentNamesTheVersion(t *testing.T) {
	t.Parallel()
	if want := "hubmessage-go/" + client.Version + " "; !strings.HasPrefix(client.DefaultUserAgent, want) {
		t.Errorf("DefaultUserAgent = %q, want prefix %q", client.DefaultUserAgent, want)
	}
}

// TestSecretKeyNeverLeaks formats everything a caller might print: the Client with every
// verb, and every kind of error the package returns.
func TestSecretKeyNeverLeaks(t *testing.T) {
	t.Parallel()
	srv := newAPIServer(t, replyError(401, "Unauthorized"))
	c := newClient(t, srv)
	verbs := []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T", "%p"}
	for _, verb := range verbs {
		assertNoKey(t, "Client "+verb, fmt.Sprintf(verb, c))
		assertNoKey(t, "*Client "+verb, fmt.Sprintf(verb, *c))
		assertNoKey(t, "struct holding a Client "+verb, fmt.Sprintf(verb, struct{ C *client.Client }{c}))
	}
	if s := fmt.Sprint(c); !strings.Contains(s, "secretKey: [redacted]") {
		t.Errorf("Client prints as %q, want it to say the key is redacted", s)
	}

	var errs []error
	_, err := c.ConnectChannel(context.Background(), hexChannel, validRequest) // API error
	errs = append(errs, err)
	_, err = c.ConnectChannel(context.Background(), testKey, validRequest) // key passed as the channel by mistake
	errs = append(errs, err)
	_, err = c.ConnectChannel(context.Background(), hexChannel, client.ConnectRequest{WabaID: testKey, PhoneID: testKey, Code: testKey + strings.Repeat("x", 5000)})
	errs = append(errs, err)
	refused, err := client.New(testKey, client.WithBaseURL("http://"+refusedAddr(t)), client.WithRetryPolicy(client.NoRetry))
	if err != nil {
		t.Fatal(err)
	}
	_, err = refused.ConnectChannel(context.Background(), hexChannel, validRequest) // transport error
	errs = append(errs, err)
	for _, key := range []string{testKey + " ", "Bearer " + testKey, testKey + "\x7f"} {
		_, err := client.New(key)
		errs = append(errs, err)
	}
	for i, err := range errs {
		if err == nil {
			t.Fatalf("case %d: no error", i)
		}
		for _, verb := range verbs[:4] {
			assertNoKey(t, fmt.Sprintf("error %d with %s", i, verb), fmt.Sprintf(verb, err))
		}
		var opErr *client.OperationError
		if errors.As(err, &opErr) {
			assertNoKey(t, "OperationError fields", fmt.Sprintf("%+v", *opErr))
		}
	}
	for _, r := range srv.requests() {
		for name, values := range r.Header {
			if name != "Authorization" {
				assertNoKey(t, "request header "+name, strings.Join(values, ","))
			}
		}
	}
}

func TestNewIgnoresNilOption(t *testing.T) {
	t.Parallel()
	if _, err := client.New(testKey, nil); err != nil {
		t.Errorf("New with a nil Option: %v", err)
	}
}
