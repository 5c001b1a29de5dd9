package contracttest_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hubmessage/hubmessage-go/contracttest"
)

const lifecycleID = "019E4C54B1B375A28970B605CA9B03C3"

// lifecycleExchanges are exchanges on testdata/lifecycle.yaml: each operation of the channel
// lifecycle, valid (by name) and near misses around the shapes it brings.
func lifecycleExchanges() []exchange {
	auth := http.Header{"Authorization": {"Bearer k"}}
	authJSON := http.Header{"Authorization": {"Bearer k"}, "Content-Type": {"application/json"}}
	jsonCT := http.Header{"Content-Type": {"application/json"}}
	retry := http.Header{"Content-Type": {"application/json"}, "Retry-After": {"30"}}
	none := http.Header{}
	channel := "/v1/channels/" + lifecycleID
	unavailable := `{"error":503,"message":"busy"}`
	return []exchange{
		{"valid create", "POST", "/v1/channels", authJSON, `{"name":"Sales","type":"META_WHATSAPP"}`, 201, jsonCT, `{"id":"` + lifecycleID + `"}`},
		{"valid create, another type", "POST", "/v1/channels", authJSON, `{"type":"BOT_TELEGRAM","name":"x"}`, 201, jsonCT, `{"id":"1"}`},
		{"valid create, an error", "POST", "/v1/channels", authJSON, `{"name":"Sales","type":"META_WHATSAPP"}`, 400, jsonCT, `{"error":400,"message":"no"}`},
		{"valid create, 503 (slow path: headers)", "POST", "/v1/channels", authJSON, `{"name":"Sales","type":"META_WHATSAPP"}`, 503, retry, unavailable},
		{"valid create, 503 without Retry-After (slow path: headers)", "POST", "/v1/channels", authJSON, `{"name":"a","type":"META_MESSENGER"}`, 503, jsonCT, unavailable},
		{"valid create, escaped type (slow path: escape)", "POST", "/v1/channels", authJSON, `{"name":"Sales","type":"META\u005fWHATSAPP"}`, 201, jsonCT, `{"id":"1"}`},
		{"create, a type in lower case", "POST", "/v1/channels", authJSON, `{"name":"Sales","type":"meta_whatsapp"}`, 201, jsonCT, `{"id":"1"}`},
		{"create, a type with a space", "POST", "/v1/channels", authJSON, `{"name":"Sales","type":"META_WHATSAPP "}`, 201, jsonCT, `{"id":"1"}`},
		{"create, an unknown type", "POST", "/v1/channels", authJSON, `{"name":"Sales","type":"WHATSAPP"}`, 201, jsonCT, `{"id":"1"}`},
		{"create, a null type", "POST", "/v1/channels", authJSON, `{"name":"Sales","type":null}`, 201, jsonCT, `{"id":"1"}`},
		{"create, no type", "POST", "/v1/channels", authJSON, `{"name":"Sales"}`, 201, jsonCT, `{"id":"1"}`},
		{"create, a long name", "POST", "/v1/channels", authJSON, `{"name":"Seventeen letters","type":"META_WHATSAPP"}`, 201, jsonCT, `{"id":"1"}`},
		{"create, an empty id", "POST", "/v1/channels", authJSON, `{"name":"Sales","type":"META_WHATSAPP"}`, 201, jsonCT, `{"id":""}`},
		{"create, a 503 with a bad body", "POST", "/v1/channels", authJSON, `{"name":"Sales","type":"META_WHATSAPP"}`, 503, retry, `{}`},
		{"valid connect", "POST", channel + "/connect", authJSON, `{"wabaId":"4280","code":"c","coexistence":false}`, 200, jsonCT, `{"success":true}`},
		{"valid connect, uuid", "POST", "/v1/channels/a1b2c3d4-e5f6-7890-abcd-ef1234567890/connect", authJSON, `{"wabaId":"1","code":"c","coexistence":true}`, 422, jsonCT, `{"error":422,"message":"CODE_ALREADY_USED"}`},
		{"connect, wabaId letters", "POST", channel + "/connect", authJSON, `{"wabaId":"42x","code":"c","coexistence":false}`, 200, jsonCT, `{"success":true}`},
		{"connect, a bad id", "POST", "/v1/channels/nope/connect", authJSON, `{"wabaId":"1","code":"c","coexistence":false}`, 200, jsonCT, `{"success":true}`},
		{"valid disconnect", "PUT", channel + "/disconnect", auth, "", 200, jsonCT, `true`},
		{"valid disconnect, false", "PUT", channel + "/disconnect", auth, "", 200, jsonCT, ` false `},
		{"valid disconnect, charset", "PUT", channel + "/disconnect", auth, "", 200, http.Header{"Content-Type": {"application/json; charset=utf-8"}}, "true\n"},
		{"valid disconnect, a body nobody documents", "PUT", channel + "/disconnect", authJSON, `{"x":1}`, 200, jsonCT, `true`},
		{"valid disconnect, not found", "PUT", channel + "/disconnect", auth, "", 404, jsonCT, `{"error":404,"message":"Channel not found"}`},
		{"disconnect, a string", "PUT", channel + "/disconnect", auth, "", 200, jsonCT, `"true"`},
		{"disconnect, an object", "PUT", channel + "/disconnect", auth, "", 200, jsonCT, `{"success":true}`},
		{"disconnect, null", "PUT", channel + "/disconnect", auth, "", 200, jsonCT, `null`},
		{"disconnect, empty", "PUT", channel + "/disconnect", auth, "", 200, jsonCT, ``},
		{"disconnect, True", "PUT", channel + "/disconnect", auth, "", 200, jsonCT, `True`},
		{"disconnect, text/plain", "PUT", channel + "/disconnect", auth, "", 200, http.Header{"Content-Type": {"text/plain"}}, `true`},
		{"disconnect, no token", "PUT", channel + "/disconnect", none, "", 200, jsonCT, `true`},
		{"valid delete, no body", "DELETE", channel, auth, "", 204, none, ""},
		{"valid delete, no body but a content type", "DELETE", channel, authJSON, "", 204, none, ""},
		{"valid delete, a reason", "DELETE", channel, authJSON, `{"cancelReason":"gone"}`, 204, none, ""},
		{"valid delete, an empty object", "DELETE", channel, authJSON, `{}`, 204, none, ""},
		{"valid delete, a body in the 204", "DELETE", channel, auth, "", 204, jsonCT, "ignored"},
		{"valid delete, not found", "DELETE", channel, auth, "", 404, jsonCT, `{"error":404,"message":"Instance not found"}`},
		{"delete, a long reason", "DELETE", channel, authJSON, `{"cancelReason":"seventeen letters"}`, 204, none, ""},
		{"delete, a null reason", "DELETE", channel, authJSON, `{"cancelReason":null}`, 204, none, ""},
		{"delete, a text body", "DELETE", channel, http.Header{"Authorization": {"Bearer k"}, "Content-Type": {"text/plain"}}, `gone`, 204, none, ""},
		{"delete, a bad id", "DELETE", "/v1/channels/nope", auth, "", 204, none, ""},
	}
}

// The fast path agrees with the slow path on the lifecycle's shapes, and takes every valid
// exchange but those its name sends the slow way.
func TestFastPathAgreesOnTheLifecycle(t *testing.T) { // not parallel: it counts allocations
	v := fixtureValidator(t, "lifecycle.yaml")
	slow := contracttest.WithoutFastPath(v)
	for _, e := range lifecycleExchanges() {
		r, reqBody, respBody := e.request(), []byte(e.reqBody), []byte(e.respBody)
		fastErr := v.ValidateExchange(r, reqBody, e.status, e.respHeader, respBody)
		slowErr := slow.ValidateExchange(e.request(), reqBody, e.status, e.respHeader, respBody)
		if (fastErr == nil) != (slowErr == nil) {
			t.Errorf("%s: verdicts differ:\n fast path: %v\n slow path: %v", e.name, fastErr, slowErr)
		}
		if wantValid := strings.HasPrefix(e.name, "valid"); (fastErr == nil) != wantValid {
			t.Errorf("%s: valid=%v, want %v: %v", e.name, fastErr == nil, wantValid, fastErr)
		}
		if fastErr != nil {
			continue
		}
		// The fast path allocates the Route alone (and, under -race, whatever sync.Pool drops on
		// purpose: regexp's matchers); the slow one decodes, in tens of allocations.
		allocs := testing.AllocsPerRun(5, func() { v.ValidateExchange(r, reqBody, e.status, e.respHeader, respBody) })
		wantSlow := strings.Contains(e.name, "slow path")
		if onFast := allocs < 10; onFast == wantSlow {
			t.Errorf("%s: %v allocations: on the fast path %v, want %v", e.name, allocs, onFast, !wantSlow)
		}
	}
}

// FuzzFastPathAgreesOnTheLifecycle: on the lifecycle's shapes (a string enum, a bare boolean
// body, an optional body, 204, a response with headers), the fast path's verdict is the slow
// path's.
func FuzzFastPathAgreesOnTheLifecycle(f *testing.F) {
	for _, e := range lifecycleExchanges() {
		f.Add(e.method, e.path, e.reqHeader.Get("Authorization"), e.reqHeader.Get("Content-Type"), e.reqBody, e.status, e.respHeader.Get("Content-Type"), e.respHeader.Get("Retry-After"), e.respBody)
	}
	v := fixtureValidator(f, "lifecycle.yaml")
	slow := contracttest.WithoutFastPath(v)
	f.Fuzz(func(t *testing.T, method, target, auth, ct, reqBody string, status int, respCT, retryAfter, respBody string) {
		u, err := url.ParseRequestURI(target)
		if err != nil || !validMethod(method) || status < 100 || status > 599 {
			return
		}
		reqHeader, respHeader := http.Header{}, http.Header{}
		set := func(h http.Header, key, value string) {
			if value != "" {
				h.Set(key, value)
			}
		}
		set(reqHeader, "Authorization", auth)
		set(reqHeader, "Content-Type", ct)
		set(respHeader, "Content-Type", respCT)
		set(respHeader, "Retry-After", retryAfter)
		request := func() *http.Request {
			return &http.Request{Method: method, URL: u, Header: reqHeader.Clone(), Body: http.NoBody}
		}
		fastErr := v.ValidateExchange(request(), []byte(reqBody), status, respHeader, []byte(respBody))
		slowErr := slow.ValidateExchange(request(), []byte(reqBody), status, respHeader, []byte(respBody))
		if (fastErr == nil) != (slowErr == nil) {
			t.Fatalf("fast and slow path differ on %s %s:\n fast: %v\n slow: %v", method, target, fastErr, slowErr)
		}
	})
}
