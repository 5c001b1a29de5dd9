package mockserver_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/hubmessage/hubmessage-go/mockserver"
)

// FuzzConnect sends arbitrary bodies, channel ids and Prefer headers, authorised, and requires
// a documented answer every time: no panic, no plain-text error, no undocumented status.
func FuzzConnect(f *testing.F) {
	for _, seed := range []struct{ body, channelID, prefer string }{
		{payload("ABC123DEF456"), mockserver.ChannelUUID, ""},
		{payload("ABC123DEF456"), mockserver.ChannelUUID, "code=422, example=codeExpired"},
		{payload("ABC123DEF456"), mockserver.ChannelUUID, "code=500"},
		{payload("ABC123DEF456"), mockserver.ChannelUUID, "example=nope"},
		{payload("ABC123DEF456"), mockserver.ChannelHex, ""},
		{payload(mockserver.ExpiredCodePrefix), mockserver.ChannelHex, ""},
		{payload(mockserver.UpstreamErrorPrefix), mockserver.ChannelUUID, ""},
		{payload("x"), mockserver.ChannelInstagram, ""},
		{payload("x"), otherUUID, ""},
		{`{"wabaId":1}`, "not-an-id", ""},
		{`{`, "a/b", ""},
		{``, "%2F", ""},
		{`null`, "..", ""},
		{`[]`, "", ""},
		{`{"wabaId":"1","phoneId":"2","code":"c","coexistence":true,"extra":{}}`, "019e4c54b1b375a28970b605ca9b03c3", ""},
	} {
		f.Add([]byte(seed.body), seed.channelID, seed.prefer)
	}
	s, err := mockserver.New(mockserver.WithSecretKey("sk_fuzz"), mockserver.WithMaxBodyBytes(1<<10))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte, channelID, prefer string) {
		req := &http.Request{
			Method: http.MethodPost,
			URL:    &url.URL{Path: "/v1/channels/" + channelID + "/connect"},
			Header: http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer sk_fuzz"}},
			Body:   http.NoBody,
		}
		if prefer != "" {
			req.Header.Set("Prefer", prefer)
		}
		if len(body) > 0 {
			req.Body = io.NopCloser(bytes.NewReader(body))
			req.ContentLength = int64(len(body))
		}
		req = req.WithContext(t.Context())
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		check := httptest.NewRequest(http.MethodPost, "/", nil)
		check.URL = req.URL
		if err := documented(check, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
			t.Fatalf("channel %q body %q prefer %q: answered %d %s: %v", channelID, body, prefer, rec.Code, rec.Body, err)
		}
	})
}
