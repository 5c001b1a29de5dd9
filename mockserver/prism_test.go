//go:build prism

package mockserver_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// PrismURLEnv names the base URL of a running Prism mock of openapi/hubmessage.yaml
// (`make bench-prism` starts one and sets it).
const prismURLEnv = "HUBMESSAGE_PRISM_URL"

// prismReadyTimeout bounds the wait for Prism: a first npx run downloads it.
const prismReadyTimeout = 3 * time.Minute

// waitPrism polls url until it answers any HTTP status (Prism is up) or the timeout passes.
func waitPrism(tb testing.TB, client *http.Client, url string) {
	tb.Helper()
	deadline := time.Now().Add(prismReadyTimeout)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		res, err := client.Get(url + "/v1/channels/" + loadChannel(0))
		if err == nil {
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("Prism at %s not answering after %v: %v", url, prismReadyTimeout, err)
		}
		<-tick.C
	}
}

// prismCall makes one request to Prism, which is stateless: any valid request is answered
// from the spec's examples. A success is any 2xx.
func (t *loadTarget) prismCall(ctx context.Context, method, path, body string) error {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, t.url+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+loadKey)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := t.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: status %d: %s", method, path, res.StatusCode, data)
	}
	return nil
}

// prismDo is the mix's call against Prism: the same requests as the reference server gets
// (valid bodies, fresh codes), on each worker's own channel id, since Prism keeps no state.
func (t *loadTarget) prismDo(mix string) func(ctx context.Context, w, i int) error {
	if mix == "lifecycle" {
		return func(ctx context.Context, w, i int) error {
			lw := &t.cycles[w]
			channel := "/v1/channels/" + loadChannel(w)
			var err error
			switch lw.step {
			case 0:
				err = t.prismCall(ctx, http.MethodPost, "/v1/channels", `{"name":"Load","type":"META_WHATSAPP"}`)
			case 1:
				err = t.prismCall(ctx, http.MethodPost, channel+"/connect", payload("LIFE-"+strconv.Itoa(i)))
			case 2:
				err = t.prismCall(ctx, http.MethodPut, channel+"/disconnect", "")
			case 3:
				err = t.prismCall(ctx, http.MethodDelete, channel, "")
			}
			lw.step = (lw.step + 1) % 4
			return err
		}
	}
	return func(ctx context.Context, w, i int) error {
		return t.prismCall(ctx, http.MethodPost, "/v1/channels/"+loadChannel(w)+"/connect", payload("LOAD-"+strconv.Itoa(i)))
	}
}

// newPrismTarget is a keep-alive client for the Prism at $HUBMESSAGE_PRISM_URL, once it answers.
func newPrismTarget(b *testing.B, workers int) *loadTarget {
	b.Helper()
	url := strings.TrimSuffix(os.Getenv(prismURLEnv), "/")
	if url == "" {
		b.Fatalf("%s is not set: run `make bench-prism`, which starts Prism and sets it", prismURLEnv)
	}
	tr := &http.Transport{MaxIdleConns: workers, MaxIdleConnsPerHost: workers}
	b.Cleanup(tr.CloseIdleConnections)
	t := &loadTarget{url: url, client: &http.Client{Transport: tr, Timeout: 10 * time.Second}, cycles: make([]lifecycleWorker, workers)}
	waitPrism(b, t.client, url)
	return t
}

// BenchmarkPrism puts the reference server next to Prism's mock of the same spec (issue 11:
// ≥ 25× Prism's req/s, p99 ≤ 1.5× the bare net/http floor), all three on loopback under the
// same client and load as BenchmarkLoad. The reference server keeps real state (fresh codes,
// each worker its own channel); Prism is stateless and counts any 2xx. Behind the build tag
// prism, so `make test` never needs Node: `make bench-prism` runs it.
func BenchmarkPrism(b *testing.B) {
	for _, mix := range []string{"connect", "lifecycle"} {
		for _, c := range []int{1, 8} {
			for _, impl := range []string{"nethttp", "mockserver", "prism"} { // baseline first
				b.Run(fmt.Sprintf("mix=%s/c=%d/impl=%s", mix, c, impl), func(b *testing.B) {
					var do func(ctx context.Context, w, i int) error
					if impl == "prism" {
						do = newPrismTarget(b, c).prismDo(mix)
					} else {
						do = newLoadTarget(b, impl, c).do(mix)
					}
					res := measureLoad(b, c, do)
					if res.Errors > 0 {
						b.Fatalf("%d of %d requests failed; first: %v", res.Errors, res.Requests, res.FirstErr)
					}
					res.Report(b)
				})
			}
		}
	}
}
