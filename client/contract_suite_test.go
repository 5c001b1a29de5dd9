// The project's own contract suite: the typed client (client/) and the generated client (gen/)
// talk to the reference server (mockserver/) through contracttest's validating transport, and
// the server sits behind contracttest's validating middleware, so both directions of every
// exchange are checked against the spec. The typed client calls every operation in every
// server state that applies to it, and `hubmessage verify`'s cases must all pass against the
// reference server. The suite fails unless every documented (operation, status) pair was
// exercised.

package client_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hubmessage/hubmessage-go/client"
	"github.com/hubmessage/hubmessage-go/contracttest"
	"github.com/hubmessage/hubmessage-go/gen"
	"github.com/hubmessage/hubmessage-go/mockserver"
)

// harness is a reference server behind a reporting middleware (the server side), and clients
// whose transport checks the client side; both record coverage into one Coverage.
type harness struct {
	url    string
	base   *http.Client // plain, for cases that send invalid requests on purpose
	key    string
	server *mockserver.Server
	v      *contracttest.Validator
	cov    *contracttest.Coverage

	// invalidRequestsExpected is set while verify sends its negative cases: the server must
	// still answer them as documented, but the requests themselves are meant to be invalid.
	invalidRequestsExpected atomic.Bool
}

func newHarness(t *testing.T, cov *contracttest.Coverage, opts ...mockserver.Option) *harness {
	t.Helper()
	srv, err := mockserver.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	// No WithSecretKey: which key is right is the server's business, and a wrong one gets a
	// documented 401; the contract only asks for a well-formed bearer token.
	h := &harness{key: srv.SecretKey(), server: srv, v: contracttest.MustNew(t), cov: cov}
	checked := h.v.Middleware(srv, contracttest.WithMode(contracttest.ReportOnly), contracttest.WithCoverage(cov),
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
	return h
}

// checkedHTTP is an HTTP client whose transport checks every exchange (the client side),
// sends prefer as the Prefer header when set, and keeps what came back in rec.
func (h *harness) checkedHTTP(t *testing.T, prefer string, rec *recorder) *http.Client {
	checked := contracttest.Transport(t, h.base.Transport, contracttest.WithValidator(h.v), contracttest.WithCoverage(h.cov))
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if prefer != "" {
			r = r.Clone(r.Context())
			r.Header.Set("Prefer", prefer)
		}
		resp, err := checked.RoundTrip(r)
		if err == nil && rec != nil {
			rec.add(resp)
		}
		return resp, err
	})}
}

// client is a typed client with key, which never retries: each call is one exchange.
func (h *harness) client(t *testing.T, key, prefer string, rec *recorder) *client.Client {
	t.Helper()
	c, err := client.New(key, client.WithBaseURL(h.url), client.WithHTTPClient(h.checkedHTTP(t, prefer, rec)), client.WithRetryPolicy(client.NoRetry))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// recorder keeps the status and headers of every response a client received.
type recorder struct {
	mu       sync.Mutex
	statuses []int
	header   http.Header // of the last response
}

func (r *recorder) add(resp *http.Response) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.statuses = append(r.statuses, resp.StatusCode)
	r.header = resp.Header.Clone()
}

var codes atomic.Int64

// freshCode is a connect code no call has used.
func freshCode() string { return "suite-" + strconv.FormatInt(codes.Add(1), 10) }

// call is one call of the typed client with valid input, on channelID where the operation
// takes one.
type call func(ctx context.Context, c *client.Client, channelID string) error

// The typed client's calls with valid input.
var (
	createChannel call = func(ctx context.Context, c *client.Client, _ string) error {
		_, err := c.CreateChannel(ctx, client.CreateChannelRequest{Name: "Suite channel", Type: client.ChannelTypeMetaWhatsApp})
		return err
	}
	connectChannel call = func(ctx context.Context, c *client.Client, id string) error {
		_, err := c.ConnectChannel(ctx, id, connectRequest(freshCode()))
		return err
	}
	disconnectChannel call = func(ctx context.Context, c *client.Client, id string) error {
		_, err := c.DisconnectChannel(ctx, id)
		return err
	}
	deleteChannel call = func(ctx context.Context, c *client.Client, id string) error {
		_, err := c.DeleteChannel(ctx, id, &client.DeleteOptions{Reason: "contract suite"})
		return err
	}
)

// operations is how the typed client calls each operation of the spec, and the status the spec
// documents for its success: the one entry a new operation adds here. The suite demands one per
// operation of gen.Operations; the states below then apply to it.
var operations = map[string]struct {
	success int
	call    call
}{
	create:     {http.StatusCreated, createChannel},
	connect:    {http.StatusOK, connectChannel},
	disconnect: {http.StatusOK, disconnectChannel},
	del:        {http.StatusNoContent, deleteChannel},
}

// The operationIds, as the spec names them.
const (
	create     = "partnerCreateChannel"
	connect    = "connectMetaChannel"
	disconnect = "disconnectMetaChannel"
	del        = "partnerDeleteChannel"
)

// target is what a state's call is sent with.
type target struct {
	channel string // ChannelHex unless the state says otherwise
	key     string // the server's Secret Key unless the state says otherwise
	prefer  string // the Prefer header, when set
}

// A state makes the reference server give one documented answer: set up through its options
// and Go API (or other calls), then driven through the typed client.
type state struct {
	name    string
	ops     []string // the operations it applies to; nil: every one (taking a channelId, if channel)
	channel bool     // it needs an operation on a channel
	status  int      // the status the call must get; 0: the operation's documented success
	want    error    // the error the call must return; nil with status 0
	header  string   // a header the answer must carry
	opts    []mockserver.Option
	prepare func(t *testing.T, h *harness, tg *target)
	call    call // in place of the operation's own call
}

const unknownChannel = "019E4C54B1B375A28970B605CA9B0000"

// must makes a call that prepares a state; it must succeed.
func must(t *testing.T, h *harness, key string, f call, channelID string) {
	t.Helper()
	if err := f(context.Background(), h.client(t, key, "", nil), channelID); err != nil {
		t.Fatalf("prepare: %v", err)
	}
}

func connectWith(code string) call {
	return func(ctx context.Context, c *client.Client, id string) error {
		_, err := c.ConnectChannel(ctx, id, connectRequest(code))
		return err
	}
}

var states = []state{
	// Every operation.
	{name: "success"},
	{name: "wrong key", status: 401, want: client.ErrUnauthorized,
		prepare: func(_ *testing.T, _ *harness, tg *target) { tg.key = "sk_live_wrong" }},
	{name: "sandbox full", status: 503, want: client.ErrServiceUnavailable, header: "Retry-After",
		opts: []mockserver.Option{mockserver.WithSandbox(mockserver.SandboxConfig{MaxKeys: 1})},
		prepare: func(t *testing.T, h *harness, tg *target) {
			must(t, h, "sk_test_suite_first", disconnectChannel, mockserver.ChannelHex) // takes the one place
			tg.key = "sk_test_suite_second"
		}},
	{name: "unexpected error", status: 500, want: client.ErrServer, // documented by no operation: default
		prepare: func(_ *testing.T, _ *harness, tg *target) { tg.prefer = "code=500" }},

	// Every operation on a channel.
	{name: "unknown channel", channel: true, status: 404, want: client.ErrChannelNotFound,
		prepare: func(_ *testing.T, _ *harness, tg *target) { tg.channel = unknownChannel }},
	{name: "deleted channel", channel: true, status: 404, want: client.ErrChannelNotFound,
		prepare: func(t *testing.T, h *harness, _ *target) {
			must(t, h, h.key, deleteChannel, mockserver.ChannelHex)
		}},
	{name: "upstream down", channel: true, status: 502, want: client.ErrUpstream,
		prepare: func(t *testing.T, h *harness, _ *target) {
			if err := h.server.FailUpstream(mockserver.ChannelHex); err != nil {
				t.Fatal(err)
			}
		}},

	// Create and delete.
	{name: "no ENTERPRISE role", ops: []string{create, del}, status: 422, want: client.ErrEnterpriseRequired,
		opts: []mockserver.Option{mockserver.WithEnterpriseRole(false)}},

	// Create. The mock has no state in which create fails upstream: Prefer asks for the answer.
	{name: "upstream failure", ops: []string{create}, status: 502, want: client.ErrUpstream,
		prepare: func(_ *testing.T, _ *harness, tg *target) { tg.prefer = "code=502" }},

	// Connect.
	{name: "code reused", ops: []string{connect}, status: 422, want: client.ErrCodeAlreadyUsed, call: connectWith("suite-reused"),
		prepare: func(t *testing.T, h *harness, _ *target) {
			must(t, h, h.key, connectWith("suite-reused"), mockserver.ChannelUUID)
		}},
	{name: "other channel type", ops: []string{connect}, status: 422, want: client.ErrChannelType,
		prepare: func(_ *testing.T, _ *harness, tg *target) { tg.channel = mockserver.ChannelInstagram }},
	{name: "expired code", ops: []string{connect}, status: 422, want: client.ErrCodeExpired, call: connectWith("suite-expired"),
		prepare: func(_ *testing.T, h *harness, _ *target) { h.server.ExpireCode("suite-expired") }},
	{name: "magic expired code", ops: []string{connect}, status: 422, want: client.ErrCodeExpired,
		call: connectWith(mockserver.ExpiredCodePrefix + "-1")},
	{name: "magic upstream code", ops: []string{connect}, status: 502, want: client.ErrUpstream,
		call: connectWith(mockserver.UpstreamErrorPrefix + "-1")},

	// Connect and delete.
	{name: "connected", ops: []string{connect, del}, status: 422, want: client.ErrChannelConnected,
		prepare: func(t *testing.T, h *harness, _ *target) {
			must(t, h, h.key, connectChannel, mockserver.ChannelHex)
		}},

	// Delete.
	{name: "active subscription", ops: []string{del}, status: 422, want: client.ErrActiveSubscription,
		opts: []mockserver.Option{mockserver.WithSubscription(mockserver.ChannelHex, mockserver.SubscriptionPaid)}},
}

// takesChannel reports whether the operation names a channel.
func takesChannel(op string) bool {
	return slices.ContainsFunc(gen.Operations[op].Params, func(r gen.Rule) bool { return r.Name == "channelId" })
}

func (s state) appliesTo(op string) bool {
	return (s.ops == nil || slices.Contains(s.ops, op)) && (!s.channel || takesChannel(op))
}

// TestContractSuite drives every documented response of the spec through the typed client,
// the generated client and the verify cases, with both directions checked, then requires
// full coverage.
func TestContractSuite(t *testing.T) {
	cov, err := contracttest.NewCoverage(contracttest.MustNew(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("typed client", func(t *testing.T) { typedClientStates(t, cov) })
	h := newHarness(t, cov)
	t.Run("generated client with Prefer", func(t *testing.T) { generatedClientWithPrefer(t, h) })
	t.Run("verify cases", func(t *testing.T) { verifyCases(t, h) })
	cov.Require(t)
}

// typedClientStates calls every operation through the typed client in every state that applies
// to it, after checking that the operations table and the states cover the spec.
func typedClientStates(t *testing.T, cov *contracttest.Coverage) {
	for _, op := range slices.Sorted(maps.Keys(gen.Operations)) {
		if _, ok := operations[op]; !ok {
			t.Errorf("%s: no entry in the suite's operations table, so no state drives it", op)
		}
	}
	for op := range operations {
		if gen.Operations[op] == nil {
			t.Errorf("operations table: %s is not an operation of the spec", op)
		}
	}
	for _, s := range states {
		if !slices.ContainsFunc(slices.Collect(maps.Keys(operations)), s.appliesTo) {
			t.Errorf("state %q applies to no operation", s.name)
		}
	}
	for _, op := range slices.Sorted(maps.Keys(operations)) {
		for _, s := range states {
			if !s.appliesTo(op) {
				continue
			}
			t.Run(op+"/"+s.name, func(t *testing.T) {
				t.Parallel()
				runState(t, cov, op, s)
			})
		}
	}
}

// generatedClientWithPrefer asks the reference server for each documented status of connect
// with the Prefer header, and checks gen's client decodes each into its typed field.
func generatedClientWithPrefer(t *testing.T, h *harness) {
	ctx := context.Background()
	gc, err := gen.NewClientWithResponses(h.url, gen.WithHTTPClient(h.checkedHTTP(t, "", nil)))
	if err != nil {
		t.Fatal(err)
	}
	for _, status := range []int{200, 400, 401, 404, 422, 502, 503, 500} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			body := genRequest(connectRequest("prefer-" + strconv.Itoa(status)))
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
				404: resp.JSON404 != nil, 422: resp.JSON422 != nil, 502: resp.JSON502 != nil, 503: resp.JSON503 != nil,
				500: resp.JSONDefault != nil}
			if !typed[status] {
				t.Errorf("status %d did not decode into its typed field", status)
			}
		})
	}
}

// verifyCases runs `hubmessage verify`'s cases against the reference server: every one must
// run and pass, and the JUnit report must count them and hold no Secret Key.
func verifyCases(t *testing.T, h *harness) {
	ctx := context.Background()
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
	if err := xml.Unmarshal(junit.Bytes(), &parsed); err != nil || parsed.Tests != len(cases) {
		t.Errorf("JUnit report: %v, tests=%d, want one per generated case, %d", err, parsed.Tests, len(cases))
	}
	if strings.Contains(junit.String(), h.key) {
		t.Error("the JUnit report contains the Secret Key")
	}
}

// runState sets up a fresh server in state s, calls op once through the typed client and checks
// the answer; both sides of every exchange are validated and recorded in cov.
func runState(t *testing.T, cov *contracttest.Coverage, op string, s state) {
	h := newHarness(t, cov, s.opts...)
	tg := target{channel: mockserver.ChannelHex, key: h.key}
	if s.prepare != nil {
		s.prepare(t, h, &tg)
	}
	f := operations[op].call
	if s.call != nil {
		f = s.call
	}
	var rec recorder
	err := f(context.Background(), h.client(t, tg.key, tg.prefer, &rec), tg.channel)

	status := s.status
	if status == 0 {
		status = operations[op].success
	}
	if !slices.Equal(rec.statuses, []int{status}) {
		t.Errorf("statuses received %v, want one %d", rec.statuses, status)
	}
	switch {
	case s.want == nil && err != nil:
		t.Fatalf("err = %v, want success", err)
	case s.want != nil && !errors.Is(err, s.want):
		t.Fatalf("err = %v, want %v", err, s.want)
	}
	if s.want != nil {
		var apiErr *client.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != status || apiErr.Code != status {
			t.Errorf("want an *APIError whose status and body say %d, got %#v", status, apiErr)
		}
	}
	if s.header != "" && rec.header.Get(s.header) == "" {
		t.Errorf("the %d answer has no %s header", status, s.header)
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
	c, err := client.New(testKey, client.WithBaseURL(hs.URL), client.WithRetryPolicy(client.NoRetry))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ConnectChannel(context.Background(), mockserver.ChannelHex, validRequest); !errors.Is(err, client.ErrUnexpectedResponse) {
		t.Errorf("client accepted a 200 without success: %v", err)
	}
	if len(got) == 0 || !strings.Contains(got.Error(), "body /success") {
		t.Errorf("middleware did not report the missing success: %v", got)
	}
}
