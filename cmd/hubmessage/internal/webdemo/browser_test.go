//go:build browser

// The browser test, run by `make test-browser`: the demo's page in headless Chromium, driven
// through chromedp (the DevTools protocol from Go: no Node.js, no npm install, one go test),
// asserting what the page shows a person, with a screenshot of each case.

package webdemo

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/chromedp/chromedp"
)

var screenshotDir = flag.String("screenshots", "", "folder for the screenshots (default: browser-screenshots/ at the module's root)")

// startBrowser starts headless Chromium for the test's cases. chromedp gives it a fresh
// --user-data-dir and removes it afterwards.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium not found (%v): install it, e.g. apt-get install chromium", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], // headless, no first run, no background networking, no sync
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.WindowSize(1000, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(t.Context(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("starting %s: %v", path, err)
	}
	return ctx
}

// screenshots returns the folder for the screenshots, created.
func screenshots(t *testing.T) string {
	t.Helper()
	dir := *screenshotDir
	if dir == "" {
		root, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		for {
			if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
				break
			}
			parent := filepath.Dir(root)
			if parent == root {
				t.Fatal("no go.mod above the working directory; pass -screenshots DIR")
			}
			root = parent
		}
		dir = filepath.Join(root, "browser-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// tab is the demo's page in a tab of its own browser context (its own cookies, so its own
// session with the backend).
type tab struct {
	t        *testing.T
	ctx      context.Context
	attempts int
}

func openPage(t *testing.T, browser context.Context, url string) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	b := &tab{t: t, ctx: ctx}
	b.do(chromedp.Navigate(url), chromedp.WaitEnabled(chromedp.CSS("#connect")))
	if got := b.text("#session"); !strings.Contains(got, "The backend created WhatsApp channel") {
		t.Fatalf("session line %q", got)
	}
	return b
}

func (b *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatal(err)
	}
}

func (b *tab) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatal(err)
	}
	return s
}

// check ticks a demo-only box for the next attempt.
func (b *tab) check(id string) {
	b.t.Helper()
	b.do(chromedp.WaitEnabled(chromedp.CSS("#"+id)), chromedp.Click(chromedp.CSS("#"+id)))
	if on, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](fmt.Sprintf(`document.getElementById(%q).checked`, id))); err != nil || !on {
		b.t.Fatalf("#%s not checked after a click (%v)", id, err)
	}
}

// connect presses "Connect WhatsApp" and waits for the outcome of this attempt. It returns
// the outcome and the hops, as the page shows them.
func (b *tab) connect() (outcome string, hops []string) {
	b.t.Helper()
	b.attempts++
	b.do(chromedp.WaitEnabled(chromedp.CSS("#connect")), chromedp.Click(chromedp.CSS("#connect")))
	outcome, err := chromedp.Run(b.ctx, chromedp.Poll[string](fmt.Sprintf(
		`(() => { const o = document.getElementById("outcome"); return !o.hidden && o.dataset.attempt === "%d" && o.textContent; })()`, b.attempts)))
	if err != nil {
		b.t.Fatalf("attempt %d: no outcome shown: %v", b.attempts, err)
	}
	hops, err = chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#hops li")].map((li) => li.textContent)`))
	if err != nil {
		b.t.Fatal(err)
	}
	return outcome, hops
}

func (b *tab) screenshot(path string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// disconnect presses the demo-only "Disconnect the channel" and waits for the page's note.
func (b *tab) disconnect() {
	b.t.Helper()
	b.do(chromedp.Click(chromedp.CSS("#demo-disconnect")))
	note, err := chromedp.Run(b.ctx, chromedp.Poll[string](`document.getElementById("demo-note").textContent`))
	if want := "Disconnected: connect again (with a new code)."; err != nil || note != want {
		b.t.Fatalf("after Disconnect the page notes %q (%v), want %q", note, err, want)
	}
}

// attempt is what one press of "Connect WhatsApp" should show.
type attempt struct {
	disconnect bool     // press "Disconnect the channel" first
	check      []string // demo-only boxes to tick first
	outcome    string
	success    bool
	hops       []string // each held by the hop at the same place; "{id}" is the session's channel
}

// slug makes a case's name a file name: "reused code" -> "reused-code".
func slug(name string) string {
	return strings.Join(strings.FieldsFunc(name, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }), "-")
}

func withDisconnect(a attempt) attempt {
	a.disconnect = true
	return a
}

func TestBrowser(t *testing.T) {
	browser := startBrowser(t)
	dir := screenshots(t)

	connected := attempt{outcome: "Channel connected", success: true, hops: []string{
		"SDK → page: HubMessage.newClient({publicKey}).connect({channelId}) resolved {wabaId: \"428083093730937\", phoneId: \"123456789012345\", code: (hidden, ",
		"Page → backend: POST /backend/connect with the payload",
		"Backend → API: POST /v1/channels/{id}/connect answered 200",
		`Backend → page: 200 {"connected":true}`,
	}}
	for i, tc := range []struct {
		name     string
		attempts []attempt
	}{{
		name:     "success",
		attempts: []attempt{connected},
	}, {
		name: "expired code",
		attempts: []attempt{{check: []string{"demo-expire"}, outcome: "The signup took too long; start it again.", hops: []string{
			"SDK → page: HubMessage.newClient({publicKey}).connect({channelId}) resolved",
			"Demo: the reference server's clock moved 31 s on: the code, which lives 30 s, has expired",
			"Page → backend: POST /backend/connect",
			"Backend → API: POST /v1/channels/{id}/connect answered 422 CODE_EXPIRED",
			`Backend → page: 422 reason "code_expired"`,
		}}},
	}, {
		name: "reused code",
		attempts: []attempt{connected, {check: []string{"demo-reuse"}, outcome: "This signup was already used; start it again.", hops: []string{
			"Demo: the SDK is not asked; the page sends the last payload again, with the same code",
			"Page → backend: POST /backend/connect",
			"Backend → API: POST /v1/channels/{id}/connect answered 422 CODE_ALREADY_USED",
			`Backend → page: 422 reason "code_used"`,
		}}},
	}, {
		name: "upstream failure",
		attempts: []attempt{{check: []string{"demo-fail"}, outcome: "WhatsApp did not confirm the connection; wait a moment, then start the signup again.", hops: []string{
			"SDK → page: HubMessage.newClient({publicKey}).connect({channelId}) resolved",
			"Demo: the reference server will answer this channel's next connect 502 (scenario injection)",
			"Page → backend: POST /backend/connect",
			"Backend → API: POST /v1/channels/{id}/connect answered 502",
			`Backend → page: 502 reason "upstream"`,
		}}, connected}, // the failure was queued for one connect
	}, {
		name: "already connected, then disconnected",
		attempts: []attempt{connected, {
			outcome: "This channel is already connected to a WhatsApp number; disconnect it first, then start the signup again.", hops: []string{
				"SDK → page: HubMessage.newClient({publicKey}).connect({channelId}) resolved",
				"Page → backend: POST /backend/connect",
				"Backend → API: POST /v1/channels/{id}/connect answered 422 INSTANCE_STILL_CONNECTED",
				`Backend → page: 409 reason "channel_connected"`,
			}}, withDisconnect(connected)},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			d, ts := startDemo(t)
			b := openPage(t, browser, ts.URL+"/")
			var id string
			for _, ch := range d.mock.Channels() {
				if ch.Name == "Web demo" {
					id = ch.ID
				}
			}
			for n, a := range tc.attempts {
				if a.disconnect {
					b.disconnect()
				}
				for _, box := range a.check {
					b.check(box)
				}
				outcome, hops := b.connect()
				if outcome != a.outcome {
					t.Errorf("attempt %d: the page says %q, want %q", n+1, outcome, a.outcome)
				}
				class, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.getElementById("outcome").className`))
				if want := map[bool]string{true: "success", false: "failure"}[a.success]; err != nil || class != want {
					t.Errorf("attempt %d: outcome styled %q (%v), want %q", n+1, class, err, want)
				}
				if len(hops) != len(a.hops) {
					t.Errorf("attempt %d: the page shows %d hops, want %d:\n%s", n+1, len(hops), len(a.hops), strings.Join(hops, "\n"))
				}
				for j := range min(len(hops), len(a.hops)) {
					if want := strings.ReplaceAll(a.hops[j], "{id}", id); !strings.Contains(hops[j], want) {
						t.Errorf("attempt %d, hop %d: %q, want it to hold %q", n+1, j+1, hops[j], want)
					}
				}
				if strings.Contains(strings.Join(hops, "\n"), d.mock.SecretKey()) {
					t.Errorf("attempt %d: the page shows the Secret Key", n+1)
				}
				b.screenshot(filepath.Join(dir, fmt.Sprintf("%d-%s-attempt%d.png", i+1, slug(tc.name), n+1)))
			}
		})
	}
}
