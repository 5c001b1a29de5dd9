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
  --addr HOST:PORT       address to listen on (default 127.0.0.1:8080; port 0 picks a free
                         one, and the printed URL has the real port)
  --secret-key KEY       the Secret Key to accept as "Authorization: Bearer KEY"; default
                         $` + secretkey.EnvVar + `, else a random key, printed at start (a key
                         you give is never printed)
  --channel ID[:TYPE]    add a channel (repeatable). ID: a UUID or 32 hex digits. TYPE:
                         META_WHATSAPP (default), META_INSTAGRAM, META_MESSENGER, BOT_TELEGRAM
  --max-body-bytes N     largest request body accepted, else 413 (default 65536)
  --quiet                no request log on stderr

Every request is validated against the spec first: 400 (naming the field), 401, 413, 404,
405, always in the error shape {"error":N,"message":"..."}.

Seeded channels:
  a1b2c3d4-e5f6-7890-abcd-ef1234567890   META_WHATSAPP (UUID form)
  019E4C54B1B375A28970B605CA9B03C3       META_WHATSAPP (32 hex digits form)
  0b7e2c1a-9f4d-4e8b-a6c3-5d2f1e0a9b87   META_INSTAGRAM (connect: 422 CHANNEL_TYPE_NOT_SUPPORTED)

Connect: a code is single-use on any channel (422 CODE_ALREADY_USED); a connected channel
cannot be connected again (422 INSTANCE_STILL_CONNECTED); unknown channel: 404. Magic codes
(neither consumes the code nor connects the channel):
  code starting with EXPIRED          422 CODE_EXPIRED
  code starting with UPSTREAM_ERROR   502 Integration error

Prefer header (as Prism's mock), on a valid, authorised request to any operation; it
answers one of the spec's examples for that operation and never changes state:
  Prefer: code=404                             that status with its (first) example
  Prefer: example=codeExpired                  that named example
  Prefer: code=422, example=instanceStillConnected
  code=500 answers the spec's default example; an undocumented code or example is a 400.

Stops gracefully on SIGINT or SIGTERM (exit 0).
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
	return fmt.Sprintf(mockUsage, ops.String())
}

// mockFlags is what `hubmessage mock` was asked to do.
type mockFlags struct {
	addr      string
	secretKey string
	channels  []mockserver.Channel
	maxBody   int64
	quiet     bool
}

// parseMockFlags parses args; the secret key defaults to $HUBMESSAGE_SECRET_KEY. Errors name
// the flag (or the variable) and never contain the Secret Key.
func parseMockFlags(args []string, getenv func(string) string) (mockFlags, error) {
	f := mockFlags{}
	fs := flag.NewFlagSet("hubmessage mock", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8080", "")
	fs.StringVar(&f.secretKey, "secret-key", "", "")
	fs.Int64Var(&f.maxBody, "max-body-bytes", mockserver.DefaultMaxBodyBytes, "")
	fs.BoolVar(&f.quiet, "quiet", false, "")
	fs.Func("channel", "", func(s string) error {
		ch, err := mockserver.ParseChannel(s)
		if err != nil {
			return err
		}
		f.channels = append(f.channels, ch)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return mockFlags{}, err
	}
	if fs.NArg() > 0 {
		return mockFlags{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	source := "--secret-key"
	if f.secretKey == "" && getenv != nil {
		f.secretKey, source = getenv(secretkey.EnvVar), "$"+secretkey.EnvVar
	}
	if f.secretKey != "" {
		if err := secretkey.Check(f.secretKey); err != nil {
			return mockFlags{}, fmt.Errorf("%s: %w", source, err)
		}
	}
	return f, nil
}

func (f mockFlags) options(stderr io.Writer) []mockserver.Option {
	var opts []mockserver.Option
	if f.secretKey != "" {
		opts = append(opts, mockserver.WithSecretKey(f.secretKey))
	}
	for _, ch := range f.channels {
		opts = append(opts, mockserver.WithChannel(ch.ID, ch.Type))
	}
	opts = append(opts, mockserver.WithMaxBodyBytes(f.maxBody))
	if !f.quiet {
		opts = append(opts, mockserver.WithLogger(slog.New(slog.NewTextHandler(stderr, nil))))
	}
	return opts
}

func runMock(ctx context.Context, args []string, env Env) int {
	f, err := parseMockFlags(args, env.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(env.Stdout, mockHelp())
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "hubmessage mock: %v\nRun 'hubmessage mock --help' for usage.\n", err)
		return exitUsage
	}
	s, err := mockserver.New(f.options(env.Stderr)...)
	if err != nil {
		fmt.Fprintf(env.Stderr, "hubmessage mock: %v\n", strings.TrimPrefix(err.Error(), "mockserver: "))
		return exitUsage
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		fmt.Fprintf(env.Stderr, "hubmessage mock: --addr %s: %v\n", f.addr, err)
		return exitFail
	}
	if f.secretKey == "" {
		fmt.Fprintf(env.Stdout, "Secret Key (generated; set --secret-key or %s to choose one): %s\n", secretkey.EnvVar, s.SecretKey())
	}
	fmt.Fprintln(env.Stdout, "channels:")
	for _, ch := range s.Channels() {
		fmt.Fprintf(env.Stdout, "  %-36s  %s\n", ch.ID, ch.Type)
	}
	fmt.Fprintf(env.Stdout, "listening on http://%s\n", ln.Addr())
	if err := s.Serve(ctx, ln); err != nil {
		fmt.Fprintf(env.Stderr, "hubmessage mock: %v\n", err)
		return exitFail
	}
	fmt.Fprintln(env.Stdout, "stopped")
	return exitOK
}
