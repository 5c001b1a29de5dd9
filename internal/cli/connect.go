package cli

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/hubmessage/hubmessage-go/client"
	"github.com/hubmessage/hubmessage-go/internal/printable"
	"github.com/hubmessage/hubmessage-go/internal/secretkey"
)

// envBaseURL is the environment variable connect reads the base URL from (the Secret Key's
// is secretkey.EnvVar).
const envBaseURL = "HUBMESSAGE_BASE_URL"

// maxPayloadSize bounds the SDK payload read from stdin; a real one is well under 1 KiB.
const maxPayloadSize = 64 << 10

// maxKeyFileSize bounds --secret-key-file.
const maxKeyFileSize = 4 << 10

func connectUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintln(w, "Usage: hubmessage connect --channel ID --waba ID --phone ID --code CODE [--coexistence]")
	fmt.Fprintln(w, "       hubmessage connect --channel ID -        (the SDK's JSON payload on stdin; or --stdin)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Connects a channel to the WhatsApp Business number picked in Embedded Signup. The code is")
	fmt.Fprintln(w, "single-use and lives about 30 seconds. The Secret Key comes from "+secretkey.EnvVar+" or")
	fmt.Fprintln(w, "--secret-key-file, never from a flag; the base URL from --base-url or "+envBaseURL+".")
	fmt.Fprintln(w, "Exit status: 0 connected, 1 the call failed, 2 bad usage or input.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Flags:")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

func runConnect(ctx context.Context, args []string, env Env) int {
	fs := flag.NewFlagSet("connect", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var (
		channelID   = fs.String("channel", "", "channel `ID` (a UUID or 32 hexadecimal digits)")
		wabaID      = fs.String("waba", "", "WhatsApp Business Account `ID` (wabaId)")
		phoneID     = fs.String("phone", "", "phone number `ID` (phoneId)")
		code        = fs.String("code", "", "Embedded Signup `CODE` (single-use, about 30 s)")
		coexistence = fs.Bool("coexistence", false, "the number stays in use in the WhatsApp Business app")
		stdin       = fs.Bool("stdin", false, "read the SDK's JSON payload {wabaId, phoneId, code, coexistence} from stdin")
		keyFile     = fs.String("secret-key-file", "", "read the Secret Key from `PATH` instead of $"+secretkey.EnvVar)
		baseURL     = fs.String("base-url", "", "API base `URL` (default $"+envBaseURL+", else "+client.DefaultBaseURL+")")
		insecure    = fs.Bool("insecure-http", false, "allow a plain http base URL on a non-loopback host (the key then travels in clear)")
	)
	fs.Usage = func() {}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(env.Stderr, "hubmessage connect: "+format+"\n\n", a...)
		connectUsage(env.Stderr, fs)
		return exitUsage
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			connectUsage(env.Stdout, fs)
			return exitOK
		}
		return usageErr("%v", err)
	}
	switch rest := fs.Args(); {
	case len(rest) == 1 && rest[0] == "-":
		*stdin = true
	case len(rest) > 0:
		return usageErr("unexpected argument %q", rest[0])
	}
	if *channelID == "" {
		return usageErr("--channel is required")
	}

	var req client.ConnectRequest
	if *stdin {
		var set []string
		fs.Visit(func(f *flag.Flag) {
			if slices.Contains([]string{"waba", "phone", "code", "coexistence"}, f.Name) {
				set = append(set, "--"+f.Name)
			}
		})
		if len(set) > 0 {
			return usageErr("%s cannot be combined with a payload on stdin", strings.Join(set, ", "))
		}
		var err error
		if req, err = parsePayload(env.Stdin); err != nil {
			fmt.Fprintf(env.Stderr, "hubmessage connect: stdin: %v\n", err)
			return exitUsage
		}
	} else {
		req = client.ConnectRequest{WabaID: *wabaID, PhoneID: *phoneID, Code: *code, Coexistence: *coexistence}
	}

	key, err := secretKey(*keyFile, env)
	if err != nil {
		fmt.Fprintf(env.Stderr, "hubmessage connect: %v\n", err)
		return exitUsage
	}
	var opts []client.Option
	if u := cmp.Or(*baseURL, env.Getenv(envBaseURL)); u != "" {
		opts = append(opts, client.WithBaseURL(u))
	}
	if *insecure {
		opts = append(opts, client.WithInsecureHTTP())
	}
	c, err := client.New(key, opts...)
	if err != nil {
		fmt.Fprintf(env.Stderr, "hubmessage connect: %v\n", err)
		return exitUsage
	}

	res, err := c.ConnectChannel(ctx, *channelID, req)
	if err != nil {
		fmt.Fprintf(env.Stderr, "hubmessage connect: %v\n", err)
		if errors.Is(err, client.ErrInvalidInput) {
			return exitUsage
		}
		var apiErr *client.APIError
		if errors.As(err, &apiErr) {
			fmt.Fprintf(env.Stderr, "  status:  %d %s\n", apiErr.StatusCode, http.StatusText(apiErr.StatusCode))
			fmt.Fprintf(env.Stderr, "  error:   %d\n", apiErr.Code)
			fmt.Fprintf(env.Stderr, "  message: %s\n", printable.String(apiErr.Message))
		}
		if errors.Is(err, client.ErrCodeExpired) || errors.Is(err, client.ErrCodeAlreadyUsed) {
			fmt.Fprintln(env.Stderr, "The code is single-use and lives about 30 seconds: run Embedded Signup again for a new one.")
		}
		return exitFail
	}
	fmt.Fprintf(env.Stdout, "channel %s connected", res.ChannelID)
	if res.Attempts > 1 {
		fmt.Fprintf(env.Stdout, " (after %d attempts; the earlier ones never reached the server)", res.Attempts)
	}
	fmt.Fprintln(env.Stdout)
	return exitOK
}

// secretKey reads the key from path when given, else from the environment. Surrounding
// whitespace (a file's trailing newline) is dropped; the key itself is never printed.
func secretKey(path string, env Env) (string, error) {
	if path == "" {
		key := strings.TrimSpace(env.Getenv(secretkey.EnvVar))
		if key == "" {
			return "", fmt.Errorf("no Secret Key: set %s or pass --secret-key-file", secretkey.EnvVar)
		}
		return key, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("--secret-key-file: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
	switch {
	case err != nil:
		return "", fmt.Errorf("--secret-key-file: %w", err)
	case len(b) > maxKeyFileSize:
		return "", fmt.Errorf("--secret-key-file %s: larger than %d bytes; it should hold the key alone", path, maxKeyFileSize)
	}
	key := strings.TrimSpace(string(b))
	if key == "" {
		return "", fmt.Errorf("--secret-key-file %s: empty", path)
	}
	return key, nil
}

// objectFields splits data, which must be exactly one JSON object, into its members. Unknown
// and repeated keys are errors: a payload that is not the SDK's is better refused than guessed.
func objectFields(data []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		if err != nil {
			return nil, fmt.Errorf("not a JSON object: %w", err)
		}
		return nil, fmt.Errorf("not a JSON object but %s", jsonKind(tok))
	}
	fields := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("not a JSON object: %w", err)
		}
		name := tok.(string) // object keys are always strings
		if !slices.Contains(payloadFields, name) {
			return nil, fmt.Errorf("unknown field %q; want only %s", name, strings.Join(payloadFields, ", "))
		}
		if _, dup := fields[name]; dup {
			return nil, fmt.Errorf("field %q appears twice", name)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("not a JSON object: %w", err)
		}
		fields[name] = raw
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the JSON object")
	}
	return fields, nil
}

func jsonKind(tok json.Token) string {
	switch tok.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case float64, json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "an array"
}

// payloadFields are the SDK payload's keys, exactly as the SDK spells them.
var payloadFields = []string{"wabaId", "phoneId", "code", "coexistence"}

// parsePayload reads the browser SDK's payload: one JSON object holding exactly wabaId,
// phoneId and code (strings) and coexistence (a boolean). Field values are checked later,
// against the spec, by the client.
func parsePayload(r io.Reader) (client.ConnectRequest, error) {
	var req client.ConnectRequest
	data, err := io.ReadAll(io.LimitReader(r, maxPayloadSize+1))
	if err != nil {
		return req, err
	}
	if len(data) > maxPayloadSize {
		return req, fmt.Errorf("payload is larger than %d bytes", maxPayloadSize)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return req, errors.New(`no payload; want {"wabaId": "...", "phoneId": "...", "code": "...", "coexistence": false}`)
	}
	fields, err := objectFields(data)
	if err != nil {
		return req, err
	}
	str := func(name string, dst *string) error {
		raw, ok := fields[name]
		if !ok {
			return fmt.Errorf("missing %q", name)
		}
		if !bytes.HasPrefix(raw, []byte(`"`)) || json.Unmarshal(raw, dst) != nil {
			return fmt.Errorf("%q must be a string", name)
		}
		return nil
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"wabaId", &req.WabaID}, {"phoneId", &req.PhoneID}, {"code", &req.Code}} {
		if err := str(f.name, f.dst); err != nil {
			return req, err
		}
	}
	raw, ok := fields["coexistence"]
	if !ok {
		return req, errors.New(`missing "coexistence"`)
	}
	if s := string(raw); s != "true" && s != "false" {
		return req, errors.New(`"coexistence" must be true or false`)
	}
	req.Coexistence = string(raw) == "true"
	return req, nil
}
