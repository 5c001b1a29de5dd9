package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"slices"
	"strings"

	"github.com/hubmessage/hubmessage-go/internal/secretkey"
	"github.com/hubmessage/hubmessage-go/mockserver"
	"github.com/hubmessage/hubmessage-go/openapi"
)

// mockUsage is the help text; %s is where the spec's operations are listed.
const mockUsage = `Usage: hubmessage mock [flags]

Runs the reference server: a stateful, in-memory stand-in for the Hub Message API that
answers every operation of openapi/hubmessage.yaml as the spec documents it. Point your
backend or its tests at the printed URL instead of https://api.hubmessage.io.

Operations:
%s
Flags:
  --addr HOST:PORT         address to listen on (default 127.0.0.1:8080; port 0 picks a free
                           one, and the printed URL has the real port)
  --secret-key-file PATH   read the Secret Key to accept ("Authorization: Bearer KEY") from
                           PATH; default $` + secretkey.EnvVar + `, else a random key, printed
                           at start (a key you give is never printed, and never a flag: ps
                           would show it)
  --channel ID[:TYPE]      add a channel (repeatable). ID: a UUID or 32 hex digits. TYPE:
                           META_WHATSAPP (default), META_INSTAGRAM, META_MESSENGER, BOT_TELEGRAM
  --subscription ID:STATUS give a seeded or --channel channel a subscription (repeatable).
                           STATUS: %s; PAID and
                           CANCELLATION_PROCESS are active: delete answers 422
  --no-enterprise          the account lacks the ENTERPRISE role: create and delete answer 422
  --strict-codes           connect accepts only codes issued by POST /_mock/codes (below)
                           and the magic codes; any other code is answered 422
                           CODE_EXPIRED: the spec documents no "invalid code" answer, and
                           CODE_EXPIRED's remedy, start the signup again, is the right one
                           for a code that was never valid too
  --sandbox                a shared sandbox for many CI jobs: accept any well-formed Secret
                           Key and keep a separate state per key (channels, codes, the seeded
                           channels and the settings above), so no job sees another's
  --sandbox-max-keys N     most keys with a state at once; a further key is answered 503 with
                           Retry-After (default %d)
  --sandbox-idle DURATION  a key's state is dropped after this long without a request, which
                           frees its place (default %s)
  --max-body-bytes N       largest request body accepted, else 413 (default %d)
  --log-level LEVEL        what goes to stderr: debug (also a line per request), info
                           (default: start-up notes, a full sandbox, errors), warn, error, off

Every request to the API is validated against the spec first: 400 (naming the field), 401,
413, 404, 405, always in the error shape {"error":N,"message":"..."}.

Seeded channels:
  a1b2c3d4-e5f6-7890-abcd-ef1234567890   META_WHATSAPP (UUID form)
  019E4C54B1B375A28970B605CA9B03C3       META_WHATSAPP (32 hex digits form)
  0b7e2c1a-9f4d-4e8b-a6c3-5d2f1e0a9b87   META_INSTAGRAM (connect: 422 CHANNEL_TYPE_NOT_SUPPORTED)

Lifecycle: create answers 201 {"id":ID} (any type; 32 hex digits). Connect: only
META_WHATSAPP channels; a code is single-use on any channel (422 CODE_ALREADY_USED); a
connected channel cannot be connected again (422 INSTANCE_STILL_CONNECTED). Disconnect
answers 200 true, also for a channel that is not connected. Delete answers 204, or 422 while
the channel is connected (INSTANCE_STILL_CONNECTED) or its subscription is active
(INSTANCE_HAS_ACTIVE_SUBSCRIPTION). Unknown or deleted channel: 404, for good. Magic codes
(neither consumes the code nor connects the channel):
  code starting with EXPIRED          422 CODE_EXPIRED
  code starting with UPSTREAM_ERROR   502 Integration error

Prefer header (as Prism's mock), on a valid, authorised request to any operation; it
answers one of the spec's examples for that operation and never changes state:
  Prefer: code=404                             that status with its (first) example
  Prefer: example=codeExpired                  that named example
  Prefer: code=422, example=instanceStillConnected
  code=500 answers the spec's default example; an undocumented code or example is a 400.

Test-only endpoints, for tests: not part of the API and not in its spec (the real API has
none of them), never validated against it. Same "Authorization: Bearer KEY" as the API
(with --sandbox any key, acting on that key's state only); a JSON body with exactly the
members shown; answers in JSON, errors in the shape above:
  POST /_mock/codes
      201 {"code":"...","expiresAt":"RFC 3339"}: a code as Embedded Signup issues it. It
      connects once within %s on the server's clock; after that 422 CODE_EXPIRED,
      a second time 422 CODE_ALREADY_USED.
  POST /_mock/clock {"advance":"31s"}
      200 {"now":"RFC 3339"}: moves the server's clock forward ("0s" reads it), so a test
      expires a code at once.
  POST /_mock/scenarios {"operationId":"connectMetaChannel","channelId":"ID","statuses":[502,502]}
      201 {"operationId":...,"channelId":...,"pending":[...]}: the next answers of that
      operation (for that channel; channelId is optional), one per status, in order; then
      the real answers again. Each status must be one the spec documents for the operation
      and is answered with the spec's example for it (a 503 with Retry-After: 1); only a
      valid, authorised request without Prefer gets one, and it changes no state.

Stops gracefully on SIGINT (Ctrl-C) or SIGTERM, with exit status 0.
`

// mockHelp is mockUsage with the spec's operations, one "METHOD PATH  operationId" line
// each, sorted by path.
func mockHelp() string {
	var ops strings.Builder
	if doc, err := openapi.Spec(); err != nil {
		fmt.Fprintf(&ops, "  (the spec could not be read: %v)\n", err)
	} else {
		for _, path := range doc.Paths.InMatchingOrder() {
			item := doc.Paths.Value(path)
			for _, method := range slices.Sorted(maps.Keys(item.Operations())) {
				fmt.Fprintf(&ops, "  %-7s %-40s %s\n", method, path, item.GetOperation(method).OperationID)
			}
		}
	}
	return fmt.Sprintf(mockUsage, ops.String(), joinStatuses(mockserver.SubscriptionStatuses()),
		mockserver.DefaultSandboxMaxKeys, mockserver.DefaultSandboxIdleTimeout, mockserver.DefaultMaxBodyBytes, mockserver.CodeLifetime)
}

func joinStatuses(sts []mockserver.SubscriptionStatus) string {
	s := make([]string, len(sts))
	for i, st := range sts {
		s[i] = string(st)
	}
	return strings.Join(s, ", ")
}

// mockFlags is what `hubmessage mock` was asked to do.
type mockFlags struct {
	addr          string
	keyFile       string
	secretKey     string // from --secret-key-file or the environment; "" means generate one
	channels      []mockserver.Channel
	subscriptions map[string]mockserver.SubscriptionStatus // by channel id as given
	noEnterprise  bool
	strictCodes   bool
	sandbox       bool
	sandboxCfg    mockserver.SandboxConfig
	maxBody       int64
	logLevel      string // as given; "off" or one of slog's, in level
	level         slog.Level
}

// parseMockFlags parses args; the Secret Key comes from --secret-key-file, else
// $HUBMESSAGE_SECRET_KEY. Errors name the flag (or the variable) and never contain the key.
func parseMockFlags(args []string, env Env) (mockFlags, error) {
	f := mockFlags{subscriptions: map[string]mockserver.SubscriptionStatus{}}
	fs := f.flagSet()
	err := parseFlags(fs, args)
	if err == nil {
		err = f.check(fs)
	}
	if err == nil && !f.sandbox { // a sandbox takes $HUBMESSAGE_SECRET_KEY as one key among any
		f.secretKey, _, err = readSecretKey(f.keyFile, env)
	}
	if err != nil {
		return mockFlags{}, err
	}
	return f, nil
}

// flagSet returns mock's flags, which set f.
func (f *mockFlags) flagSet() *flag.FlagSet {
	fs := newFlagSet("hubmessage mock")
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8080", "")
	fs.StringVar(&f.keyFile, "secret-key-file", "", "")
	fs.Int64Var(&f.maxBody, "max-body-bytes", mockserver.DefaultMaxBodyBytes, "")
	fs.StringVar(&f.logLevel, "log-level", "info", "")
	fs.BoolVar(&f.noEnterprise, "no-enterprise", false, "")
	fs.BoolVar(&f.strictCodes, "strict-codes", false, "")
	fs.BoolVar(&f.sandbox, "sandbox", false, "")
	fs.IntVar(&f.sandboxCfg.MaxKeys, "sandbox-max-keys", mockserver.DefaultSandboxMaxKeys, "")
	fs.DurationVar(&f.sandboxCfg.IdleTimeout, "sandbox-idle", mockserver.DefaultSandboxIdleTimeout, "")
	fs.Func("channel", "", func(s string) error {
		ch, err := mockserver.ParseChannel(s)
		if err == nil {
			f.channels = append(f.channels, ch)
		}
		return err
	})
	fs.Func("subscription", "", func(s string) error {
		id, status, ok := strings.Cut(s, ":")
		st := mockserver.SubscriptionStatus(strings.ToUpper(status))
		switch {
		case !ok:
			return errors.New("want ID:STATUS")
		case !slices.Contains(mockserver.SubscriptionStatuses(), st):
			return fmt.Errorf("status %q is not one of %s", status, joinStatuses(mockserver.SubscriptionStatuses()))
		}
		f.subscriptions[id] = st
		return nil
	})
	return fs
}

// check holds the flags to what the server accepts, so that an error names the flag rather
// than a Go option.
func (f *mockFlags) check(fs *flag.FlagSet) error {
	if err := f.checkChannels(); err != nil {
		return err
	}
	var sandboxOnly []string
	fs.Visit(func(fl *flag.Flag) {
		if strings.HasPrefix(fl.Name, "sandbox-") {
			sandboxOnly = append(sandboxOnly, "--"+fl.Name)
		}
	})
	switch {
	case f.maxBody <= 0:
		return fmt.Errorf("--max-body-bytes %d: must be positive", f.maxBody)
	case len(sandboxOnly) > 0 && !f.sandbox:
		return fmt.Errorf("%s: only with --sandbox", strings.Join(sandboxOnly, ", "))
	case f.sandboxCfg.MaxKeys <= 0:
		return fmt.Errorf("--sandbox-max-keys %d: must be positive", f.sandboxCfg.MaxKeys)
	case f.sandboxCfg.IdleTimeout <= 0:
		return fmt.Errorf("--sandbox-idle %v: must be positive", f.sandboxCfg.IdleTimeout)
	case f.logLevel != "off" && f.level.UnmarshalText([]byte(f.logLevel)) != nil: // sets f.level
		return fmt.Errorf("--log-level %q: want debug, info, warn, error or off", f.logLevel)
	case f.sandbox && f.keyFile != "":
		return errors.New("--secret-key-file and --sandbox: a sandbox accepts any well-formed Secret Key; drop one of them")
	}
	return nil
}

// checkChannels refuses a --channel that exists already (seeded, or given twice) and a
// --subscription of a channel that does not.
func (f *mockFlags) checkChannels() error {
	ids := map[string]bool{}
	for _, id := range []string{mockserver.ChannelUUID, mockserver.ChannelHex, mockserver.ChannelInstagram} {
		ids[strings.ToLower(id)] = true
	}
	for _, ch := range f.channels {
		if ids[strings.ToLower(ch.ID)] {
			return fmt.Errorf("--channel %s: already exists (seeded, or given twice)", ch.ID)
		}
		ids[strings.ToLower(ch.ID)] = true
	}
	for _, id := range slices.Sorted(maps.Keys(f.subscriptions)) {
		if !ids[strings.ToLower(id)] {
			return fmt.Errorf("--subscription %s: no such channel; seed it, or add it with --channel", id)
		}
	}
	return nil
}

func (f mockFlags) logger(stderr io.Writer) *slog.Logger {
	if f.logLevel == "off" {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: f.level}))
}

func (f mockFlags) options(logger *slog.Logger) []mockserver.Option {
	var opts []mockserver.Option
	if f.secretKey != "" {
		opts = append(opts, mockserver.WithSecretKey(f.secretKey))
	}
	for _, ch := range f.channels {
		opts = append(opts, mockserver.WithChannel(ch.ID, ch.Type))
	}
	for id, st := range f.subscriptions {
		opts = append(opts, mockserver.WithSubscription(id, st))
	}
	if f.strictCodes {
		opts = append(opts, mockserver.WithStrictCodes())
	}
	if f.sandbox {
		opts = append(opts, mockserver.WithSandbox(f.sandboxCfg))
	}
	return append(opts, mockserver.WithEnterpriseRole(!f.noEnterprise), mockserver.WithMaxBodyBytes(f.maxBody), mockserver.WithLogger(logger))
}

func runMock(ctx context.Context, args []string, env Env) int {
	f, err := parseMockFlags(args, env)
	if err != nil {
		return flagsFailed(env, "hubmessage mock", mockHelp(), err)
	}
	logger := f.logger(env.Stderr)
	s, err := mockserver.New(f.options(logger)...)
	if err != nil {
		fmt.Fprintf(env.Stderr, "hubmessage mock: %v\n", strings.TrimPrefix(err.Error(), "mockserver: "))
		return exitUsage
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

// printMockStart says how the server runs: its key (unless given), its settings, its
// channels and its test-only endpoints.
func printMockStart(w io.Writer, f mockFlags, s *mockserver.Server) {
	switch {
	case f.sandbox:
		fmt.Fprintf(w, "sandbox: any well-formed Secret Key, each with its own state; up to %d keys, a key's state dropped after %v idle\n",
			f.sandboxCfg.MaxKeys, f.sandboxCfg.IdleTimeout)
	case f.secretKey == "":
		fmt.Fprintf(w, "Secret Key (generated; set %s or --secret-key-file to choose one): %s\n", secretkey.EnvVar, s.SecretKey())
	}
	if f.noEnterprise {
		fmt.Fprintln(w, "account without the ENTERPRISE role: create and delete answer 422")
	}
	fmt.Fprintln(w, "channels:")
	for _, ch := range s.Channels() {
		note := ""
		if ch.Subscription != "" {
			note = "  subscription " + string(ch.Subscription)
		}
		fmt.Fprintf(w, "  %-36s  %s%s\n", ch.ID, ch.Type, note)
	}
	if f.strictCodes {
		fmt.Fprintln(w, "strict codes: connect accepts only codes from POST /_mock/codes (and the magic ones); others answer 422 CODE_EXPIRED")
	}
	fmt.Fprintln(w, "test-only endpoints (not part of the API; authorised as the API is; see --help):")
	for _, e := range mockserver.TestEndpoints() {
		fmt.Fprintf(w, "  %s %-17s %s\n", e.Method, e.Path, e.Summary)
	}
}
