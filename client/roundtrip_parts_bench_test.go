package client

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"testing"

	"github.com/hubmessage/hubmessage-go/gen"
)

// BenchmarkRoundTripParts measures, without a network, the per-call work ConnectChannel adds
// to the hand-written floor of BenchmarkClientRoundTrip, one part at a time:
//
//   - validate: the pre-flight check of the input, as it will be sent, against the spec's
//     generated rules;
//   - build: the request with its four headers, by hand (impl=floor) and through gen's
//     builder as the generic call path does (impl=client);
//   - timeout: the per-attempt deadline, with the child context net/http's Transport derives
//     from it (impl=floor derives that child from a plain context);
//   - trace: the httptrace hooks that keep retries from spending a code;
//   - response: reading and deciding the answer, by hand (impl=floor) and through gen's parser
//     as the generic call path does (impl=client).
func BenchmarkRoundTripParts(b *testing.B) {
	const channelID = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
	const baseURL = "http://127.0.0.1:41234/hub"
	body := gen.ConnectChannelRequest{WabaId: "428083093730937", PhoneId: "123456789012345", Code: "ABC123DEF456"}
	payload, err := json.Marshal(body)
	if err != nil {
		b.Fatal(err)
	}
	c, err := New("sk_bench", WithBaseURL(baseURL))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	params := map[string]string{"channelId": channelID}
	response := func() *http.Response {
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(`{"success":true}`))}
	}
	parts := []struct {
		name string
		run  func() error
	}{
		{"part=validate/impl=client", func() error {
			return validate(&gen.ConnectMetaChannelRules, map[string]string{"channelId": channelID}, body)
		}},
		{"part=build/impl=floor", func() error {
			r, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/v1/channels/"+channelID+"/connect", bytes.NewReader(payload))
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
			r, err := gen.NewConnectMetaChannelRequestWithBody(c.server, params["channelId"], jsonContentType, bytes.NewReader(payload))
			if err != nil {
				return err
			}
			r = r.WithContext(ctx)
			r.Header.Set("Authorization", *c.authorization)
			r.Header.Set("User-Agent", c.userAgent)
			r.Header.Set("Accept", jsonContentType)
			return nil
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
		{"part=response/impl=floor", func() error {
			resp := response()
			defer resp.Body.Close()
			var out struct {
				Success bool `json:"success"`
			}
			err := json.NewDecoder(resp.Body).Decode(&out)
			io.Copy(io.Discard, resp.Body)
			if err != nil || resp.StatusCode != http.StatusOK || !out.Success {
				return &APIError{StatusCode: resp.StatusCode}
			}
			return nil
		}},
		{"part=response/impl=client", func() error {
			_, err := result(response(), func(resp *http.Response) (*gen.ConnectChannelResponse, error) {
				r, err := gen.ParseConnectMetaChannelResponse(resp)
				if err != nil {
					return nil, err
				}
				return documented(r.JSON200)
			})
			return err
		}},
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
