package contracttest_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/hubmessage/hubmessage-go/contracttest"
)

func createThing(body string) *http.Request {
	r := httptest.NewRequest("POST", "/things", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer k")
	return r
}

// A request body must read the same to the validator (kin-openapi: exact keys, the last of
// duplicates) as to a Go handler (encoding/json: keys matched to fields in any case, strings
// with invalid UTF-8 folded to U+FFFD).
func TestValidateRequestRejectsAmbiguousJSON(t *testing.T) {
	t.Parallel()
	v := fixtureValidator(t, "router-methods.yaml")
	for _, tc := range []struct {
		name, body string
		want       []string // "location: reason"; none: valid
	}{
		{"plain", `{"name":"a","code":"X-ONE","meta":{"wabaId":"1"},"tags":[{"label":"x"}],"labels":{"A":"1","a":"2"}}`, nil},
		{"non-ASCII, escapes and surrogate pairs", `{"name":"ça \u00e7 \ud83d\ude00 😀 \ufffd �","tags":[]}`, nil},
		{"escaped key", `{"n\u0061me":"a"}`, nil},
		{"unknown key in any case", `{"name":"a","Extra":1,"EXTRA":2}`, nil},
		{"duplicate key", `{"name":"a","name":"b"}`, []string{"body /name: duplicate member name"}},
		{"duplicate key, escaped", `{"name":"a","n\u0061me":"b"}`, []string{"body /name: duplicate member name"}},
		{"key in another case", `{"name":"a","code":"X-ONE","CODE":"Y-ONE"}`,
			[]string{`body /CODE: key differs only in case from the declared property "code"`}},
		{"key in another case alone", `{"name":"a","NAME":"b"}`, []string{
			`body /NAME: key differs only in case from the declared property "name"`}},
		{"key in another case, and another problem", `{"NAME":"a"}`, []string{ // one at a time
			`body /name: property "name" is missing`}},
		{"Unicode case folding (Kelvin sign)", "{\"name\":\"a\",\"\u212Aey\":1,\"meta\":{\"wabaId\":\"1\",\"wabaId\u212A\":1}}", nil},
		{"long s folds to s", "{\"name\":\"a\",\"tag\u017F\":[]}", []string{`body /tagſ: key differs only in case from the declared property "tags"`}},
		{"nested", `{"name":"a","meta":{"wabaId":"1","WABAID":"not-digits!"}}`,
			[]string{`body /meta/WABAID: key differs only in case from the declared property "wabaId"`}},
		{"in an array", `{"name":"a","tags":[{"label":"x"},{"label":"x","Label":"y"}]}`,
			[]string{`body /tags/1/Label: key differs only in case from the declared property "label"`}},
		{"map keys are exact", `{"name":"a","labels":{"k":"1","K":"2","k":"3"}}`, []string{"body /labels/k: duplicate member name"}},
		{"invalid UTF-8", "{\"name\":\"\xff-A\"}", []string{"body /name: invalid UTF-8"}},
		{"invalid UTF-8 in an array", "{\"name\":\"a\",\"tags\":[{\"label\":\"\xfe\"}]}", []string{"body /tags/0/label: invalid UTF-8"}},
		{"invalid UTF-8 in a key", "{\"name\":\"a\",\"\xff\":1}", []string{"body: invalid UTF-8"}},
		{"lone surrogate", `{"name":"\ud800-A"}`, []string{`body /name: a \u escape is half a UTF-16 surrogate pair`}},
		{"second half first", `{"name":"\udc00\ud800-A"}`, []string{`body /name: a \u escape is half a UTF-16 surrogate pair`}},
		{"escaped backslash before u", `{"name":"\\ud800"}`, nil},
		{"trailing whitespace", "{\"name\":\"a\"} \r\n\t", nil},
		{"trailing data", `{"name":"a"} {"name":"b"}`, []string{"body: more data after the JSON value"}},
		{"trailing invalid UTF-8", "{\"name\":\"a\"}\xe5", []string{"body: more data after the JSON value"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.ValidateRequest(createThing(tc.body))
			var got []string
			var vs contracttest.Violations
			errors.As(err, &vs)
			for _, x := range vs {
				got = append(got, x.Location+": "+x.Reason)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("violations (-want +got):\n%s", diff)
			}
		})
	}
}

// The bodies from the bug report, against the live spec through the middleware: 400s naming
// the key, where they once got 200 and the handler read CODE / WABAID.
func TestMiddlewareRejectsAmbiguousJSON(t *testing.T) {
	t.Parallel()
	h := contracttest.MustNew(t).Middleware(conformantAPI(), contracttest.WithTB(noopTB{}))
	for body, want := range map[string]string{
		`{"wabaId":"1","phoneId":"1","code":"X-ONE","coexistence":false,"CODE":"Y-ONE"}`:         "body /CODE: ",
		`{"wabaId":"1","phoneId":"1","code":"X-ONE","coexistence":false,"WABAID":"not-digits!"}`: "body /WABAID: ",
		"{\"wabaId\":\"1\",\"phoneId\":\"1\",\"code\":\"\xff-A\",\"coexistence\":false}":         "body /code: invalid UTF-8",
	} {
		req := httptest.NewRequest("POST", connectPath, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+secretKey)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var got errorBody
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Code != 400 || !strings.Contains(got.Message, want) {
			t.Errorf("%q: %d %s, want 400 saying %q", body, rec.Code, rec.Body, want)
		}
	}
}

// newThing is how a Go handler reads createThing's body: encoding/json into a struct.
type newThing struct {
	Name *string `json:"name"`
	Code *string `json:"code"`
	Meta *struct {
		WabaID *string `json:"wabaId"`
	} `json:"meta"`
	Tags []struct {
		Label *string `json:"label"`
	} `json:"tags"`
}

// FuzzAcceptedJSONReadsTheSame: whatever body the validator accepts, encoding/json into a
// struct (the handler's view) reads the same values as exact keys in a map (the validator's).
func FuzzAcceptedJSONReadsTheSame(f *testing.F) {
	for _, seed := range []string{
		`{"name":"a","code":"X-ONE","meta":{"wabaId":"1"},"tags":[{"label":"x"}]}`,
		`{"name":"a","code":"X-ONE","CODE":"Y-ONE"}`,
		`{"name":"a","meta":{"wabaId":"1","WABAID":"x"}}`,
		`{"name":"a","name":"b"}`,
		"{\"name\":\"\xff-A\"}",
		`{"name":"\ud800-A"}`,
		"{\"name\":\"a\",\"tag\u017F\":[]}",
		"{\"name\":\"0\"}\xe5",
	} {
		f.Add(seed)
	}
	v := fixtureValidator(f, "router-methods.yaml")
	f.Fuzz(func(t *testing.T, body string) {
		if _, err := v.ValidateRequest(createThing(body)); err != nil {
			return
		}
		if !utf8.ValidString(body) {
			t.Fatalf("accepted invalid UTF-8: %q", body)
		}
		var handler newThing
		var validator map[string]any
		if err := json.Unmarshal([]byte(body), &handler); err != nil {
			t.Fatalf("accepted what encoding/json refuses: %v: %q", err, body)
		}
		if err := json.Unmarshal([]byte(body), &validator); err != nil {
			t.Fatalf("accepted what encoding/json refuses: %v: %q", err, body)
		}
		exact := func(m any, key string) any {
			obj, _ := m.(map[string]any)
			return obj[key]
		}
		str := func(p *string) any {
			if p == nil {
				return nil
			}
			return *p
		}
		same := func(what string, handlerValue, validatorValue any) {
			if !reflect.DeepEqual(handlerValue, validatorValue) {
				t.Fatalf("%s: the handler reads %v, the validator checked %v in %q", what, handlerValue, validatorValue, body)
			}
		}
		same("name", str(handler.Name), exact(validator, "name"))
		same("code", str(handler.Code), exact(validator, "code"))
		if handler.Meta != nil {
			same("meta.wabaId", str(handler.Meta.WabaID), exact(exact(validator, "meta"), "wabaId"))
		}
		tags, _ := exact(validator, "tags").([]any)
		for i, tag := range handler.Tags {
			if i < len(tags) {
				same("tags.label", str(tag.Label), exact(tags[i], "label"))
			}
		}
		// U+FFFD is accepted only where the body spells it, never folded from a lone surrogate.
		if handler.Name != nil && strings.ContainsRune(*handler.Name, utf8.RuneError) &&
			!strings.ContainsRune(body, utf8.RuneError) && !bytes.Contains(bytes.ToLower([]byte(body)), []byte(`\ufffd`)) {
			t.Fatalf("accepted a name folded to U+FFFD: %q", body)
		}
	})
}
