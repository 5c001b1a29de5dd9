package contracttest_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/hubmessage/hubmessage-go/contracttest"
)

// FuzzValidateRequest: no body, header or path makes the validator panic, and a request it
// rejects always gets at least one located violation.
func FuzzValidateRequest(f *testing.F) {
	f.Add("POST", connectPath, "application/json", "Bearer k", validBody)
	f.Add("POST", connectPath, "application/json", "Bearer k", `{"wabaId":1,"phoneId":null,"code":[],"coexistence":{}}`)
	f.Add("POST", "/v1/channels/"+knownUUID+"/connect", "application/json; charset=utf-8", "bearer  k", `{"`)
	f.Add("GET", "/v1/channels/%zz/connect", "text/plain", "Basic x", "")
	f.Add("PATCH", "/", "multipart/form-data; boundary=x", "", "--x\r\n")
	f.Add("POST", "/v1/channels//connect", "application/x-www-form-urlencoded", "Bearer", "a=b&c")
	f.Add("POST", connectPath, "application/json", "Bearer k", `[`+strings.Repeat(`[`, 1000))
	v, err := contracttest.New()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, method, path, contentType, auth, body string) {
		u, err := url.Parse(path)
		if err != nil || !validMethod(method) {
			return
		}
		req := &http.Request{Method: method, URL: u, Header: http.Header{}, Body: http.NoBody}
		if body != "" {
			req.Body = readerOf(body)
		}
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Authorization", auth)
		_, err = v.ValidateRequest(req)
		var vs contracttest.Violations
		if err != nil && (!errorsAs(err, &vs) || len(vs) == 0 || vs[0].Location == "") {
			t.Errorf("rejection without a located violation: %#v", err)
		}
	})
}

// FuzzValidateResponse: no status, content type or body makes the validator panic.
func FuzzValidateResponse(f *testing.F) {
	f.Add(200, "application/json", `{"success":true}`)
	f.Add(200, "application/json", `{"success":"yes","extra":[1,2,{}]}`)
	f.Add(401, "application/json", `{"error":401}`)
	f.Add(502, "text/plain", "Bad Gateway")
	f.Add(0, "", "")
	f.Add(999, "application/json;;;", "\xff\xfe")
	f.Add(-1, "application/problem+json", `null`)
	v, err := contracttest.New()
	if err != nil {
		f.Fatal(err)
	}
	req, _ := http.NewRequest("POST", connectPath, nil)
	f.Fuzz(func(t *testing.T, status int, contentType, body string) {
		err := v.ValidateResponse(req, status, http.Header{"Content-Type": {contentType}}, []byte(body))
		var vs contracttest.Violations
		if err != nil && (!errorsAs(err, &vs) || len(vs) == 0) {
			t.Errorf("error %#v is not Violations", err)
		}
	})
}

func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for _, r := range m {
		if r <= ' ' || r >= 0x7f || strings.ContainsRune(`()<>@,;:\"/[]?={}`, r) {
			return false
		}
	}
	return true
}

type stringBody struct{ *strings.Reader }

func (stringBody) Close() error { return nil }

func readerOf(s string) stringBody { return stringBody{strings.NewReader(s)} }

// FuzzComposedSchemaMessages: whatever body is sent against allOf and oneOf schemas, every
// violation is located and none is the bare composition's reason, which names no property; the
// enforcing middleware's documented problem+json body still passes its schema.
func FuzzComposedSchemaMessages(f *testing.F) {
	f.Add(`{"customer":"ab","quantity":11,"payment":{"iban":"DE89370400440532013000"}}`)
	f.Add(`{"customer":"abc","quantity":1,"payment":{"card":"12"}}`)
	f.Add(`{"customer":"abc","quantity":1,"payment":{"card":"1234567812345678","iban":"DE89370400440532013000"}}`)
	f.Add(`{"payment":[]}`)
	f.Add(`[]`)
	f.Add(`{"customer":null,"quantity":"x","payment":null}`)
	v := fixtureValidator(f, "composed.yaml")
	h := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusCreated) }),
		contracttest.WithTB(noopTB{}))
	problem := fixtureDoc(f, "composed.yaml").Components.Schemas["Problem"].Value
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(http.MethodPost, "/orders", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		_, err := v.ValidateRequest(req)
		var vs contracttest.Violations
		if err != nil && (!errorsAs(err, &vs) || len(vs) == 0) {
			t.Fatalf("rejection without violations: %#v", err)
		}
		for _, v := range vs {
			if v.Location == "" || v.Reason == `doesn't match all schemas from "allOf"` || v.Reason == `value doesn't match any schema from "oneOf"` {
				t.Errorf("violation %q at %q names no property", v.Reason, v.Location)
			}
		}
		req = httptest.NewRequest(http.MethodPost, "/orders", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusBadRequest {
			return
		}
		var got any
		if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
			t.Fatalf("400 as %s: %s", ct, rec.Body)
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || problem.VisitJSON(got) != nil {
			t.Errorf("400 body %s does not pass the documented Problem schema", rec.Body)
		}
	})
}
