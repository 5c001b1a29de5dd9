package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"

	"github.com/hubmessage/hubmessage-go/cmd/hubmessage/internal/webdemo"
)

const demoWebUsage = `Usage: hubmessage demo-web [--addr HOST:PORT]

Serves the web demo: the three hops of connecting a WhatsApp number, frontend SDK -> backend
-> API, in one process, on plain http:
  /                  the page, your frontend, with a stand-in for the browser SDK
                     @hubmessage/connect: HubMessage.newClient({publicKey}).connect({channelId})
  /backend/connect   your backend: package connecthandler, connecting the channel it created
                     for the page's session
  /api/              the API: the reference server, whose generated Secret Key only the
                     backend holds; its codes live 30 seconds
Open the printed URL and press "Connect WhatsApp": the page shows each hop and the outcome.
Demo-only controls let the next code expire, reuse the last code, or make the API fail
upstream (502).

Flags:
  --addr HOST:PORT   address to listen on (default 127.0.0.1:8090), on a loopback host: the
                     demo is plain http. Port 0 picks a free one; the printed URL has it.

Logs (the backend's outcomes, never a key or a code) go to stderr. Exit status: 0 stopped by
SIGINT (Ctrl-C) or SIGTERM, 1 --addr unusable or the server failed, 2 bad usage.
'make demo-web' runs it.
`

func runDemoWeb(ctx context.Context, args []string, env Env) int {
	fs := newFlagSet("hubmessage demo-web")
	addr := fs.String("addr", "127.0.0.1:8090", "")
	err := parseFlags(fs, args)
	if err == nil {
		err = checkLoopback(*addr)
	}
	if err != nil {
		return flagsFailed(env, fs.Name(), demoWebUsage, err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(env.Stderr, "hubmessage demo-web: --addr %s: %v\n", *addr, err)
		return exitFail
	}
	url := "http://" + ln.Addr().String()
	d, err := webdemo.New(url, slog.New(slog.NewTextHandler(env.Stderr, nil)))
	if err != nil {
		ln.Close()
		fmt.Fprintf(env.Stderr, "hubmessage demo-web: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(env.Stdout, "Web demo: the page (frontend), /backend/connect (backend, package connecthandler) and\n"+
		"/api/ (the reference server, with a generated Secret Key that only the backend holds).\n"+
		"Open %s/ in a browser; Ctrl-C stops.\nlistening on %s\n", url, url) // ln already accepts
	if err := d.Serve(ctx, ln); err != nil {
		fmt.Fprintf(env.Stderr, "hubmessage demo-web: %v\n", err)
		return exitFail
	}
	fmt.Fprintln(env.Stdout, "stopped")
	return exitOK
}

// checkLoopback accepts a listening address on a loopback host only.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %q: want HOST:PORT, e.g. 127.0.0.1:8090", addr)
	}
	if !isLoopbackHost(host) {
		return fmt.Errorf("--addr %s: the host must be loopback (127.0.0.1, ::1 or localhost): the demo is plain http", addr)
	}
	return nil
}

// isLoopbackHost reports whether host (a name or an IP, without port) is loopback.
func isLoopbackHost(host string) bool {
	return strings.EqualFold(host, "localhost") || net.ParseIP(host).IsLoopback() // a nil IP is not
}
