package mockserver_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/hubmessage/hubmessage-go/mockserver"
)

// FuzzServe sends arbitrary methods, bodies, channel ids, paths and Prefer headers, authorised,
// to every operation, and requires a documented answer every time: no panic, no plain-text
// error, no undocumented status.
func FuzzServe(f *testing.F) {
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
		f.Add([]byte(seed.body), http.MethodPost, seed.channelID, "/connect", seed.prefer)
	}
	for _, seed := range []struct{ body, method, channelID, suffix, prefer string }{
		{`{"name":"Sales channel","type":"META_WHATSAPP"}`, http.MethodPost, "", "", ""},
		{`{"name":"","type":"SMS"}`, http.MethodPost, "", "", ""},
		{`{"name":"x","type":"BOT_TELEGRAM","NAME":"y"}`, http.MethodPost, "", "", "code=201"},
		{``, http.MethodPut, mockserver.ChannelHex, "/disconnect", ""},
		{``, http.MethodPut, mockserver.ChannelUUID, "/disconnect", "code=503"},
		{`true`, http.MethodPut, mockserver.ChannelUUID, "/disconnect", ""},
		{``, http.MethodDelete, mockserver.ChannelInstagram, "", ""},
		{`{"cancelReason":"closed"}`, http.MethodDelete, mockserver.ChannelUUID, "", ""},
		{`{"cancelReason":1}`, http.MethodDelete, mockserver.ChannelHex, "", "code=204"},
		{``, http.MethodGet, mockserver.ChannelHex, "", ""},
		{``, http.MethodPatch, "", "", ""},
	} {
		f.Add([]byte(seed.body), seed.method, seed.channelID, seed.suffix, seed.prefer)
	}
	s, err := mockserver.New(mockserver.WithSecretKey("sk_fuzz"), mockserver.WithMaxBodyBytes(1<<10))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte, method, channelID, suffix, prefer string) {
		if !validMethod(method) {
			return // net/http never hands a handler such a request
		}
		path := "/v1/channels" + suffix
		if channelID != "" {
			path = "/v1/channels/" + channelID + suffix
		}
		req := &http.Request{
			Method: method,
			URL:    &url.URL{Path: path},
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
		check := httptest.NewRequest(method, "/", nil)
		check.URL = req.URL
		if err := documented(check, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
			t.Fatalf("%s %q body %q prefer %q: answered %d %s: %v", method, path, body, prefer, rec.Code, rec.Body, err)
		}
	})
}

// validMethod reports whether m is an HTTP token, as net/http requires of a request's method.
func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for _, c := range []byte(m) {
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}
