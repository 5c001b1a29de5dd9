package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/hubmessage/hubmessage-go/client"
	"github.com/hubmessage/hubmessage-go/gen"
)

// BenchmarkClientRoundTripPaired compares one successful connect call on loopback made three
// ways: floor is a hand-written net/http + encoding/json call, the least any client can do;
// generated is gen.ClientWithResponses; client is client.ConnectChannel. All three send the same
// request to the same handler through identically configured keep-alive transports, and all
// three check the answer. Every iteration makes the three calls in turn, and the benchmark
// reports the median time of each as a ratio to floor's: "generated/floor" and
// "client/floor". Measured in turns, all three see the same load on a shared machine, and the
// medians ignore the iterations a stall hit.
func BenchmarkClientRoundTripPaired(b *testing.B) {
	baseURL := newRoundTripServer(b)
	floor := floorCall(b, newRoundTripHTTPClient(b), baseURL)
	generated := generatedCall(b, newRoundTripHTTPClient(b), baseURL)
	cl := clientCall(b, newRoundTripHTTPClient(b), baseURL)
	ctx := context.Background()
	calls := []func(context.Context) error{floor, generated, cl}
	for range 10 { // open the connections and warm the pools
		for _, call := range calls {
			if err := call(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	var spent [3][]time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for i, call := range calls {
			start := time.Now()
			if err := call(ctx); err != nil {
				b.Fatal(err)
			}
			spent[i] = append(spent[i], time.Since(start))
		}
	}
	median := func(d []time.Duration) float64 {
		slices.Sort(d)
		return float64(d[len(d)/2])
	}
	floorMedian := median(spent[0])
	b.ReportMetric(median(spent[1])/floorMedian, "generated/floor")
	b.ReportMetric(median(spent[2])/floorMedian, "client/floor")
}

// newRoundTripServer starts the one handler every call goes to and returns its base URL. It
// reads the body and answers {"success":true}, or a 400 when the method, path or
// Authorization is wrong, so a call that builds the wrong request fails instead of looking
// fast.
func newRoundTripServer(b *testing.B) string {
	b.Helper()
	wantPath := basePath + "/v1/channels/" + uuidChannel + "/connect"
	wantAuth := "Bearer " + testKey
	ok := []byte(`{"success":true}`)
	bad := []byte(`{"error":400,"message":"wrong request"}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.Copy(io.Discard, r.Body)
		w.Header()["Content-Type"] = []string{"application/json"}
		if err != nil || r.Method != http.MethodPost || r.URL.Path != wantPath || r.Header.Get("Authorization") != wantAuth {
			w.WriteHeader(http.StatusBadRequest)
			w.Write(bad)
			return
		}
		w.Write(ok)
	}))
	b.Cleanup(srv.Close)
	return srv.URL + basePath
}

// newRoundTripHTTPClient returns a fresh keep-alive client, configured the same for every call.
func newRoundTripHTTPClient(b *testing.B) *http.Client {
	tr := &http.Transport{
		MaxIdleConns:        10,
		MaxIdleConnsPerHost: 10,
		IdleConnTimeout:     90 * time.Second,
	}
	b.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// floorCall is the hand-written call: string concatenation, json.Marshal, one decode.
func floorCall(b *testing.B, hc *http.Client, baseURL string) func(context.Context) error {
	url := baseURL + "/v1/channels/" + uuidChannel + "/connect"
	authorization := "Bearer " + testKey
	return func(ctx context.Context) error {
		body, err := json.Marshal(genRequest(validRequest))
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", authorization)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", client.DefaultUserAgent)
		req.Header.Set("Accept", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var out struct {
			Success bool `json:"success"`
		}
		err = json.NewDecoder(resp.Body).Decode(&out)
		io.Copy(io.Discard, resp.Body)
		switch {
		case err != nil:
			return err
		case resp.StatusCode != http.StatusOK || !out.Success:
			return &client.APIError{StatusCode: resp.StatusCode}
		}
		return nil
	}
}

// generatedCall is gen.ClientWithResponses with one request editor for the headers.
func generatedCall(b *testing.B, hc *http.Client, baseURL string) func(context.Context) error {
	authorization := "Bearer " + testKey
	api, err := gen.NewClientWithResponses(baseURL, gen.WithHTTPClient(hc), gen.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", authorization)
		req.Header.Set("User-Agent", client.DefaultUserAgent)
		req.Header.Set("Accept", "application/json")
		return nil
	}))
	if err != nil {
		b.Fatal(err)
	}
	body := genRequest(validRequest)
	return func(ctx context.Context) error {
		resp, err := api.ConnectMetaChannelWithResponse(ctx, uuidChannel, body)
		if err != nil {
			return err
		}
		if resp.JSON200 == nil || !resp.JSON200.Success {
			return &client.APIError{StatusCode: resp.StatusCode(), Body: resp.Body}
		}
		return nil
	}
}

// clientCall is client.ConnectChannel with the default options but the base URL and hc.
func clientCall(b *testing.B, hc *http.Client, baseURL string) func(context.Context) error {
	c, err := client.New(testKey, client.WithBaseURL(baseURL), client.WithHTTPClient(hc))
	if err != nil {
		b.Fatal(err)
	}
	return func(ctx context.Context) error {
		_, err := c.ConnectChannel(ctx, uuidChannel, validRequest)
		return err
	}
}
