package client

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptrace"
	"testing"

	"github.com/hubmessage/hubmessage-go/gen"
)

// BenchmarkRoundTripParts measures, without a network, the per-call work ConnectChannel adds
// to the hand-written floor of BenchmarkClientRoundTrip, one part at a time:
//
//   - build: the request with its four headers, by hand (impl=floor) and through gen's
//     builder and the Client's request editor (impl=client);
//   - timeout: the per-attempt deadline, with the child context net/http's Transport derives
//     from it (impl=floor derives that child from a plain context);
//   - trace: the httptrace hooks that keep retries from spending a code;
//   - validate: the pre-flight check of the input against the spec's rules.
func BenchmarkRoundTripParts(b *testing.B) {
	const channelID = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
	const baseURL = "http://127.0.0.1:41234/hub"
	req := ConnectRequest{WabaID: "428083093730937", PhoneID: "123456789012345", Code: "ABC123DEF456"}
	body := gen.ConnectChannelRequest{WabaId: req.WabaID, PhoneId: req.PhoneID, Code: req.Code}
	c, err := New("sk_bench", WithBaseURL(baseURL))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	parts := []struct {
		name string
		run  func() error
	}{
		{"part=build/impl=floor", func() error {
			buf, err := json.Marshal(body)
			if err != nil {
				return err
			}
			r, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/v1/channels/"+channelID+"/connect", bytes.NewReader(buf))
			if err != nil {
				return err
			}
			r.Header.Set("Authorization", "Bearer sk_bench")
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("User-Agent", DefaultUserAgent)
			r.Header.Set("Accept", "application/json")
			return nil
		}},
		{"part=build/impl=client", func() error {
			r, err := gen.NewConnectMetaChannelRequest(c.api.Server, channelID, body)
			if err != nil {
				return err
			}
			r = r.WithContext(ctx) // as gen.Client.ConnectMetaChannel does
			return c.api.RequestEditors[0](ctx, r)
		}},
		{"part=timeout/impl=floor", func() error {
			_, cancel := context.WithCancelCause(ctx)
			cancel(nil)
			return nil
		}},
		{"part=timeout/impl=client", func() error {
			attempt, cancel := context.WithTimeout(ctx, c.timeout)
			_, cancelChild := context.WithCancelCause(attempt)
			cancelChild(nil)
			cancel()
			return nil
		}},
		{"part=trace/impl=client", func() error {
			t := newAttemptTrace()
			if httptrace.ContextClientTrace(httptrace.WithClientTrace(ctx, &t.hooks)) == nil {
				return context.Canceled
			}
			return nil
		}},
		{"part=validate/impl=client", func() error { return validateConnect(channelID, req) }},
	}
	for _, p := range parts {
		b.Run(p.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := p.run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
