package contractsuite_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hubmessage/hubmessage-go/client"
	"github.com/hubmessage/hubmessage-go/contracttest"
	"github.com/hubmessage/hubmessage-go/gen"
	"github.com/hubmessage/hubmessage-go/mockserver"
)

// harness is the reference server behind a reporting middleware, and a transport that checks
// the client side; both record coverage into one Coverage.
type harness struct {
	url    string
	base   *http.Client // plain, for cases that send invalid requests on purpose
	key    string
	server *mockserver.Server
	cov    *contracttest.Coverage
	http   *http.Client // validating transport

	// invalidRequestsExpected is set while verify sends its negative cases: the server must
	// still answer them as documented, but the requests themselves are meant to be invalid.
	invalidRequestsExpected atomic.Bool
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	srv, err := mockserver.New()
	if err != nil {
		t.Fatal(err)
	}
	// No WithSecretKey: which key is right is the server's business, and a wrong one gets a
	// documented 401; the contract only asks for a well-formed bearer token.
	v := contracttest.MustNew(t)
	cov, err := contracttest.NewCoverage(v)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{key: srv.SecretKey(), server: srv, cov: cov}
	checked := v.Middleware(srv, contracttest.WithMode(contracttest.ReportOnly), contracttest.WithCoverage(cov),
		contracttest.OnViolation(func(vs contracttest.Violations) {
			for _, viol := range vs {
				if viol.Side == contracttest.Response || !h.invalidRequestsExpected.Load() {
					t.Errorf("server side: %v", viol)
				}
			}
		}))
	hs := httptest.NewServer(checked)
	t.Cleanup(hs.Close)
	h.url, h.base = hs.URL, hs.Client()
	h.http = &http.Client{Transport: contracttest.Transport(t, hs.Client().Transport, contracttest.WithValidator(v), contracttest.WithCoverage(cov))}
	return h
}

func (h *harness) client(t *testing.T, key string) *client.Client {
	t.Helper()
	c, err := client.New(key, client.WithBaseURL(h.url), client.WithHTTPClient(h.http), client.WithRetryPolicy(client.NoRetry))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var seed = client.ConnectRequest{WabaID: "428083093730937", PhoneID: "123456789012345", Code: "ABC123DEF456"}

// TestContractSuite drives every documented response of the spec through the typed client,
// the generated client and the verify cases, with both directions checked, then requires
// full coverage.
func TestContractSuite(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()

	t.Run("typed client", func(t *testing.T) {
		c := h.client(t, h.key)
		if _, err := c.ConnectChannel(ctx, mockserver.ChannelUUID, seed); err != nil {
			t.Fatalf("first connect: %v", err)
		}
		for _, tc := range []struct {
			name    string
			c       *client.Client
			channel string
			code    string
			want    error
		}{
			{"code reused", c, mockserver.ChannelHex, seed.Code, client.ErrCodeAlreadyUsed},
			{"unknown channel", c, "019E4C54B1B375A28970B605CA9B0000", "fresh-1", client.ErrChannelNotFound},
			{"other channel type", c, mockserver.ChannelInstagram, "fresh-2", client.ErrChannelType},
			{"already connected", c, mockserver.ChannelUUID, "fresh-3", client.ErrChannelConnected},
			{"expired code", c, mockserver.ChannelHex, mockserver.ExpiredCodePrefix + "-1", client.ErrCodeExpired},
			{"upstream failure", c, mockserver.ChannelHex, mockserver.UpstreamErrorPrefix + "-1", client.ErrUpstream},
			{"wrong key", h.client(t, "sk_live_wrong"), mockserver.ChannelHex, "fresh-4", client.ErrUnauthorized},
		} {
			t.Run(tc.name, func(t *testing.T) {
				req := seed
				req.Code = tc.code
				_, err := tc.c.ConnectChannel(ctx, tc.channel, req)
				if !errors.Is(err, tc.want) {
					t.Fatalf("err = %v, want %v", err, tc.want)
				}
				var apiErr *client.APIError
				if !errors.As(err, &apiErr) || apiErr.Code != apiErr.StatusCode {
					t.Errorf("want an *APIError whose body repeats the status, got %#v", apiErr)
				}
			})
		}
	})

	t.Run("generated client with Prefer", func(t *testing.T) {
		gc, err := gen.NewClientWithResponses(h.url, gen.WithHTTPClient(h.http))
		if err != nil {
			t.Fatal(err)
		}
		for _, status := range []int{200, 400, 401, 404, 422, 502, 500} {
			t.Run(strconv.Itoa(status), func(t *testing.T) {
				body := gen.ConnectChannelRequest{WabaId: seed.WabaID, PhoneId: seed.PhoneID, Code: "prefer-" + strconv.Itoa(status)}
				resp, err := gc.ConnectMetaChannelWithResponse(ctx, mockserver.ChannelHex, body, func(_ context.Context, r *http.Request) error {
					r.Header.Set("Authorization", "Bearer "+h.key)
					r.Header.Set("Prefer", "code="+strconv.Itoa(status))
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if resp.StatusCode() != status {
					t.Fatalf("status %d, want %d: %s", resp.StatusCode(), status, resp.Body)
				}
				typed := map[int]bool{200: resp.JSON200 != nil, 400: resp.JSON400 != nil, 401: resp.JSON401 != nil,
					404: resp.JSON404 != nil, 422: resp.JSON422 != nil, 502: resp.JSON502 != nil, 500: resp.JSONDefault != nil}
				if !typed[status] {
					t.Errorf("status %d did not decode into its typed field", status)
				}
			})
		}
	})

	t.Run("verify cases", func(t *testing.T) {
		h.invalidRequestsExpected.Store(true)
		defer h.invalidRequestsExpected.Store(false)
		inputs := contracttest.CaseOptions{Values: map[string]string{"channelId": mockserver.ChannelHex, "code": "verify-positive"}}
		cases, err := contracttest.Cases(inputs)
		if err != nil {
			t.Fatal(err)
		}
		report, err := contracttest.Verify(ctx, h.url, contracttest.VerifyOptions{
			SecretKey:  h.key,
			Positive:   true,
			HTTPClient: h.base, // Verify checks every response itself
			Coverage:   h.cov,
			Cases:      inputs,
		})
		if err != nil {
			t.Fatal(err)
		}
		report.Require(t)
		passed, failed, skipped := report.Counts()
		if passed != len(cases) || failed != 0 || skipped != 0 {
			t.Errorf("verify: %d passed, %d failed, %d skipped; want all %d cases to run and pass", passed, failed, skipped, len(cases))
		}
		var junit bytes.Buffer
		if err := report.WriteJUnit(&junit); err != nil {
			t.Fatal(err)
		}
		var parsed struct {
			XMLName xml.Name `xml:"testsuites"`
			Tests   int      `xml:"tests,attr"`
		}
		if err := xml.Unmarshal(junit.Bytes(), &parsed); err != nil || parsed.Tests != passed {
			t.Errorf("JUnit report: %v, tests=%d, want %d", err, parsed.Tests, passed)
		}
		if strings.Contains(junit.String(), h.key) {
			t.Error("the JUnit report contains the Secret Key")
		}
	})

	h.cov.Require(t)
	if missing := h.cov.Missing(); len(missing) != 0 {
		t.Fatalf("documented responses never exercised: %v", missing)
	}
}

// The suite must be able to fail: a server that breaks the contract is caught by the same
// harness (the middleware and transport report to a recorder instead of this test).
func TestHarnessCatchesABrokenServer(t *testing.T) {
	v := contracttest.MustNew(t)
	var got contracttest.Violations
	broken := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"ok":true}`)) // no "success"
	})
	hs := httptest.NewServer(v.Middleware(broken, contracttest.WithMode(contracttest.ReportOnly), contracttest.OnViolation(func(vs contracttest.Violations) { got = append(got, vs...) })))
	defer hs.Close()
	c, err := client.New("sk_test_key", client.WithBaseURL(hs.URL), client.WithRetryPolicy(client.NoRetry))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ConnectChannel(context.Background(), mockserver.ChannelHex, seed); !errors.Is(err, client.ErrUnexpectedResponse) {
		t.Errorf("client accepted a 200 without success: %v", err)
	}
	if len(got) == 0 || !strings.Contains(got.Error(), "body /success") {
		t.Errorf("middleware did not report the missing success: %v", got)
	}
}
