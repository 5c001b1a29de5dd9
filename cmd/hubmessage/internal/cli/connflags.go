package cli

import (
	"errors"
	"flag"
	"fmt"

	"github.com/hubmessage/hubmessage-go/client"
	"github.com/hubmessage/hubmessage-go/internal/secretkey"
)

// envBaseURL is the environment variable --base-url falls back on.
const envBaseURL = "HUBMESSAGE_BASE_URL"

// connFlags are the connection flags of every command that calls an API (channel's and
// verify), each with the same environment variable; connFlagsHelp documents them once.
type connFlags struct {
	baseURL, keyFile string
	insecure         bool
}

// connFlagsHelp ends the help of every command that calls an API; %s is where --base-url
// defaults to when neither it nor $HUBMESSAGE_BASE_URL is set.
const connFlagsHelp = `
Connection (the same for every command that calls an API):
  --base-url URL           the API's base URL (default $` + envBaseURL + `,
                           else %s)
  --secret-key-file PATH   read the Secret Key from PATH (default $` + secretkey.EnvVar + `;
                           never a flag: ps would show it)
  --insecure-http          allow a plain http base URL on a host that is not loopback (the key
                           then crosses the network in clear; only behind a trusted TLS proxy)
`

func (f *connFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.baseURL, "base-url", "", "")
	fs.StringVar(&f.keyFile, "secret-key-file", "", "")
	fs.BoolVar(&f.insecure, "insecure-http", false, "")
}

// base is the base URL, --base-url else $HUBMESSAGE_BASE_URL else byDefault ("": one is
// required), and where it came from: the flag, the variable or "" for the default.
func (f *connFlags) base(env Env, byDefault string) (baseURL, source string, err error) {
	switch {
	case f.baseURL != "":
		return f.baseURL, "--base-url", nil
	case env.Getenv(envBaseURL) != "":
		return env.Getenv(envBaseURL), "$" + envBaseURL, nil
	case byDefault == "":
		return "", "", fmt.Errorf("--base-url is required (or set $%s)", envBaseURL)
	}
	return byDefault, "", nil
}

// errNoSecretKey is connect's error without a key.
var errNoSecretKey = fmt.Errorf("no Secret Key: set $%s (export %s=...) or pass --secret-key-file", secretkey.EnvVar, secretkey.EnvVar)

// conn is what the connection flags configure.
type conn struct {
	client         *client.Client
	key, keySource string // the Secret Key, to redact output, and where it came from, for advice
	baseURL        string
	baseSource     string // --base-url, $HUBMESSAGE_BASE_URL or "" (the default), for advice
}

// checkBaseURL is the advice when the base URL cannot be reached.
func (c conn) checkBaseURL() string {
	if c.baseSource == "" {
		return fmt.Sprintf("The base URL is the default, %s: to reach another server (a mock, say), set --base-url or $%s. Check that it is reachable from here.", c.baseURL, envBaseURL)
	}
	return fmt.Sprintf("Check %s (%s), and that the server is reachable from here.", c.baseSource, c.baseURL)
}

// connect reads the Secret Key and makes the client for the base URL (see base). Its error
// names the flag or variable at fault, never the key.
func (f *connFlags) connect(env Env, byDefault string) (conn, error) {
	var c conn
	var err error
	if c.key, c.keySource, err = readSecretKey(f.keyFile, env); err == nil && c.key == "" {
		err = errNoSecretKey
	}
	if err == nil {
		c.baseURL, c.baseSource, err = f.base(env, byDefault)
	}
	if err != nil {
		return c, err
	}
	opts := []client.Option{client.WithBaseURL(c.baseURL)}
	if f.insecure {
		opts = append(opts, client.WithInsecureHTTP())
	}
	c.client, err = client.New(c.key, opts...)
	var optErr *client.OptionError
	switch {
	case errors.Is(err, client.ErrInsecureHTTP):
		err = fmt.Errorf("%s %s: plain http to a host that is not loopback would send the Secret Key in clear; use https, or --insecure-http behind a trusted TLS-terminating proxy", c.baseSource, c.baseURL)
	case errors.As(err, &optErr) && optErr.Option == "WithBaseURL":
		err = fmt.Errorf("%s: %v", c.baseSource, optErr.Err)
	}
	return c, err
}
