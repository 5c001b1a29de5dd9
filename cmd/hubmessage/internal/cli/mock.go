package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"net"
	"slices"
	"strings"

	"github.com/hubmessage/hubmessage-go/internal/secretkey"
	"github.com/hubmessage/hubmessage-go/mockserver"
	"github.com/hubmessage/hubmessage-go/openapi"
)

// mockUsage is the help text; its verbs are filled from the spec and package mockserver.
const mockUsage = `Usage: hubmessage mock [flags]

Runs the reference server, a stateful in-memory stand-in for the Hub Message API, until
SIGINT (Ctrl-C) or SIGTERM: point your backend or its tests at the printed URL. It validates
each request against openapi/hubmessage.yaml (400 naming the field, 401, 404, 405, 413, as
{"error":N,"message":"..."}) and answers its operations as the spec documents them:
%s
Flags:
  --addr HOST:PORT         address to listen on (default 127.0.0.1:8080; port 0: a free one)
  --secret-key-file PATH   read the Secret Key to accept from PATH (default $` + secretkey.EnvVar + `,
                           else a random key, printed; never a flag: ps would show it)
  --channel ID[:TYPE]      add a channel (repeatable). ID: a UUID or 32 hex digits. TYPE
                           (default %s): one of
                           %s
  --subscription ID:STATUS give a channel a subscription (repeatable). STATUS: one of
                           %s; PAID and
                           CANCELLATION_PROCESS are active: delete answers 422
  --no-enterprise          the account lacks the ENTERPRISE role: create and delete answer 422
  --strict-codes           connect accepts only codes from POST /_mock/codes and the magic
                           codes; any other is answered 422 CODE_EXPIRED
  --sandbox                accept any well-formed key, each with its own state (for CI jobs)
  --sandbox-max-keys N     most keys with a state at once; a further key is answered 503 with
                           Retry-After (default %d)
  --sandbox-idle DURATION  drop a key's state after this long without a request (default %s)
  --sandbox-max-channels N most channels one key holds; past it create answers 503 with
                           Retry-After (default %d)
  --sandbox-max-codes N    most codes one key uses; past it connect answers 503 (default %d)
  --max-body-bytes N       largest request body accepted, else 413 (default %d)
  --max-conns N            most connections open at once; at the cap the longest idle one
                           is closed to make room (default %d, about 20 KB each)
  --log-level LEVEL        debug (a line per request), info (default: start-up notes, a full
                           sandbox, errors), warn, error or off; logs go to stderr

Seeded channels:
%s
A code connects once, on any channel (then 422 CODE_ALREADY_USED); only META_WHATSAPP
channels connect, once (422 INSTANCE_STILL_CONNECTED); disconnect answers true also when not
connected; delete is refused while connected or subscribed; a deleted channel answers 404
for good. Magic codes, which change nothing:
  %-17s 422 CODE_EXPIRED
  %-17s 502 Integration error
"Prefer: code=404", "Prefer: example=codeExpired" (or both) answer one of the operation's
examples, as Prism's mock does, and change nothing.

Test-only endpoints, not in the spec; authorised as the API is, with a JSON body of exactly
the members shown:
%sA code from /_mock/codes expires on the server's clock, which /_mock/clock moves on ("0s"
reads it); /_mock/scenarios answers the operation's next requests (of one channel, with
"channelId") with the spec's example of each status, changing nothing.

Exit status: 0 stopped by a signal, 1 --addr unusable or the server failed, 2 bad usage.

Examples:
  hubmessage mock --addr 127.0.0.1:0 --strict-codes
  hubmessage mock --channel 0123456789ABCDEF0123456789ABCDEF:BOT_TELEGRAM --no-enterprise
  hubmessage mock --sandbox --addr 0.0.0.0:8080 --log-level warn
`

// mockHelp is mockUsage filled in.
func mockHelp() string {
	var ops, chans, endpoints strings.Builder
	if doc, err := openapi.Spec(); err == nil { // the embedded spec: mockserver.New fails too if not
		for _, path := range doc.Paths.InMatchingOrder() {
			item := doc.Paths.Value(path)
			for _, method := range slices.Sorted(maps.Keys(item.Operations())) {
				fmt.Fprintf(&ops, "  %-7s %-40s %s\n", method, path, item.GetOperation(method).OperationID)
			}
		}
	}
	if s, err := mockserver.New(); err == nil {
		listChannels(&chans, s.Channels())
	}
	listTestEndpoints(&endpoints)
	return fmt.Sprintf(mockUsage, ops.String(), mockserver.MetaWhatsApp, join(mockserver.ChannelTypes()), join(mockserver.SubscriptionStatuses()),
		mockserver.DefaultSandboxMaxKeys, mockserver.DefaultSandboxIdleTimeout, mockserver.DefaultSandboxMaxChannels,
		mockserver.DefaultSandboxMaxCodes, mockserver.DefaultMaxBodyBytes, mockserver.DefaultMaxConns, chans.String(),
		mockserver.ExpiredCodePrefix+"...", mockserver.UpstreamErrorPrefix+"...", endpoints.String())
}

func join[S ~string](values []S) string {
	s := make([]string, len(values))
	for i, v := range values {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

// mockFlags is what `hubmessage mock` was asked to do.
type mockFlags struct {
	addr, keyFile, logLevel string
	level                   slog.Level
	secretKey               string // from --secret-key-file or the environment; "" means generate one
	noEnterprise, strict    bool
	sandbox                 bool
	sandboxCfg              mockserver.SandboxConfig
	maxBody                 int64
	maxConns                int
	opts                    []mockserver.Option // --channel's and --subscription's, checked by mockserver.New
}

// optionWords rewords mockserver's option errors in flag names.
var optionWords = strings.NewReplacer("mockserver: ", "", "WithChannel", "--channel", "WithSubscription", "--subscription",
	"WithMaxBodyBytes", "--max-body-bytes", "WithMaxConns", "--max-conns")

// parseMockFlags parses args and reads the Secret Key.
func parseMockFlags(args []string, env Env) (mockFlags, error) {
	var f mockFlags
	fs := newFlagSet("hubmessage mock")
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8080", "")
	fs.StringVar(&f.keyFile, "secret-key-file", "", "")
	fs.Int64Var(&f.maxBody, "max-body-bytes", mockserver.DefaultMaxBodyBytes, "")
	fs.IntVar(&f.maxConns, "max-conns", mockserver.DefaultMaxConns, "")
	fs.StringVar(&f.logLevel, "log-level", "info", "")
	fs.BoolVar(&f.noEnterprise, "no-enterprise", false, "")
	fs.BoolVar(&f.strict, "strict-codes", false, "")
	fs.BoolVar(&f.sandbox, "sandbox", false, "")
	fs.IntVar(&f.sandboxCfg.MaxKeys, "sandbox-max-keys", mockserver.DefaultSandboxMaxKeys, "")
	fs.DurationVar(&f.sandboxCfg.IdleTimeout, "sandbox-idle", mockserver.DefaultSandboxIdleTimeout, "")
	fs.IntVar(&f.sandboxCfg.MaxChannels, "sandbox-max-channels", mockserver.DefaultSandboxMaxChannels, "")
	fs.IntVar(&f.sandboxCfg.MaxCodes, "sandbox-max-codes", mockserver.DefaultSandboxMaxCodes, "")
	fs.Func("channel", "", func(s string) error {
		ch, err := mockserver.ParseChannel(s)
		if err == nil {
			f.opts = append(f.opts, mockserver.WithChannel(ch.ID, ch.Type))
		}
		return err
	})
	fs.Func("subscription", "", func(s string) error {
		id, status, ok := strings.Cut(s, ":")
		if !ok {
			return errors.New("want ID:STATUS")
		}
		f.opts = append(f.opts, mockserver.WithSubscription(id, mockserver.SubscriptionStatus(strings.ToUpper(status))))
		return nil
	})
	if err := parseFlags(fs, args); err != nil {
		return f, err
	}
	var sandboxOnly []string
	fs.Visit(func(fl *flag.Flag) {
		if strings.HasPrefix(fl.Name, "sandbox-") {
			sandboxOnly = append(sandboxOnly, "--"+fl.Name)
		}
	})
	switch {
	case len(sandboxOnly) > 0 && !f.sandbox:
		return f, fmt.Errorf("%s: only with --sandbox", strings.Join(sandboxOnly, ", "))
	case f.sandboxCfg.MaxKeys <= 0:
		return f, fmt.Errorf("--sandbox-max-keys %d: must be positive", f.sandboxCfg.MaxKeys)
	case f.sandboxCfg.MaxChannels <= 0:
		return f, fmt.Errorf("--sandbox-max-channels %d: must be positive", f.sandboxCfg.MaxChannels)
	case f.sandboxCfg.MaxCodes <= 0:
		return f, fmt.Errorf("--sandbox-max-codes %d: must be positive", f.sandboxCfg.MaxCodes)
	case f.sandboxCfg.IdleTimeout <= 0:
		return f, fmt.Errorf("--sandbox-idle %v: must be positive", f.sandboxCfg.IdleTimeout)
	case f.logLevel == "off":
		f.level = math.MaxInt // above every level: nothing is logged
	case f.level.UnmarshalText([]byte(f.logLevel)) != nil:
		return f, fmt.Errorf("--log-level %q: want debug, info, warn, error or off", f.logLevel)
	}
	if f.sandbox { // a sandbox takes $HUBMESSAGE_SECRET_KEY as one key among any
		if f.keyFile != "" {
			return f, errors.New("--secret-key-file and --sandbox: a sandbox accepts any well-formed Secret Key; drop one of them")
		}
		return f, nil
	}
	var err error
	f.secretKey, _, err = readSecretKey(f.keyFile, env)
	return f, err
}

// server returns the server the flags configure, logging to logger.
func (f mockFlags) server(logger *slog.Logger) (*mockserver.Server, error) {
	opts := append(f.opts, mockserver.WithEnterpriseRole(!f.noEnterprise), mockserver.WithMaxBodyBytes(f.maxBody),
		mockserver.WithMaxConns(f.maxConns), mockserver.WithLogger(logger))
	if f.secretKey != "" {
		opts = append(opts, mockserver.WithSecretKey(f.secretKey))
	}
	if f.strict {
		opts = append(opts, mockserver.WithStrictCodes())
	}
	if f.sandbox {
		opts = append(opts, mockserver.WithSandbox(f.sandboxCfg))
	}
	s, err := mockserver.New(opts...)
	if err != nil {
		return nil, errors.New(optionWords.Replace(err.Error()))
	}
	return s, nil
}

func runMock(ctx context.Context, args []string, env Env) int {
	f, err := parseMockFlags(args, env)
	logger := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: f.level}))
	var s *mockserver.Server
	if err == nil {
		s, err = f.server(logger)
	}
	if err != nil {
		return flagsFailed(env, "hubmessage mock", mockHelp(), err)
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		fmt.Fprintf(env.Stderr, "hubmessage mock: --addr %s: %v\n", f.addr, err)
		return exitFail
	}
	printMockStart(env.Stdout, f, s)
	fmt.Fprintf(env.Stdout, "listening on http://%s\n", ln.Addr())
	logger.LogAttrs(ctx, slog.LevelInfo, "started; a line per request needs --log-level debug; Ctrl-C stops")
	if err := s.Serve(ctx, ln); err != nil {
		fmt.Fprintf(env.Stderr, "hubmessage mock: %v\n", err)
		return exitFail
	}
	fmt.Fprintln(env.Stdout, "stopped")
	return exitOK
}

// printMockStart says how the server runs: its key (unless given), settings and channels.
func printMockStart(w io.Writer, f mockFlags, s *mockserver.Server) {
	switch {
	case f.sandbox:
		fmt.Fprintf(w, "sandbox: any well-formed Secret Key, each with its own state; up to %d keys of %d channels and %d used codes each, a key's state dropped after %v idle\n",
			f.sandboxCfg.MaxKeys, f.sandboxCfg.MaxChannels, f.sandboxCfg.MaxCodes, f.sandboxCfg.IdleTimeout)
	case f.secretKey == "":
		fmt.Fprintf(w, "Secret Key (generated; set %s or --secret-key-file to choose one): %s\n", secretkey.EnvVar, s.SecretKey())
	}
	if f.noEnterprise {
		fmt.Fprintln(w, "account without the ENTERPRISE role: create and delete answer 422")
	}
	fmt.Fprintln(w, "channels:")
	listChannels(w, s.Channels())
	if f.strict {
		fmt.Fprintln(w, "strict codes: connect accepts only codes from POST /_mock/codes (and the magic ones); others answer 422 CODE_EXPIRED")
	}
	fmt.Fprintln(w, "test-only endpoints (not part of the API; authorised as the API is; see --help):")
	listTestEndpoints(w)
}

func listChannels(w io.Writer, channels []mockserver.Channel) {
	for _, ch := range channels {
		note := ""
		if ch.Subscription != "" {
			note = "  subscription " + string(ch.Subscription)
		}
		fmt.Fprintf(w, "  %-36s  %s%s\n", ch.ID, ch.Type, note)
	}
}

func listTestEndpoints(w io.Writer) {
	for _, e := range mockserver.TestEndpoints() {
		fmt.Fprintf(w, "  %s %-17s %s\n", e.Method, e.Path, e.Summary)
	}
}
