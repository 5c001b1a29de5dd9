package connecthandler_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/hubmessage/hubmessage-go/client"
	"github.com/hubmessage/hubmessage-go/connecthandler"
	"github.com/hubmessage/hubmessage-go/internal/strictjson"
)

func TestDecodePayload(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		body string
		want client.ConnectRequest
	}{
		{"the vendor's example", `{"wabaId":"428083093730937","phoneId":"123456789012345","code":"ABC123DEF456","coexistence":false}`,
			client.ConnectRequest{WabaID: "428083093730937", PhoneID: "123456789012345", Code: "ABC123DEF456"}},
		{"any order, whitespace", "\n{ \"coexistence\" : true,\t\"code\":\"A\\/B\", \"phoneId\":\"2\", \"wabaId\":\"1\" }\r\n",
			client.ConnectRequest{WabaID: "1", PhoneID: "2", Code: "A/B", Coexistence: true}},
		{"an escaped name", `{"wabaId":"1","phoneId":"2","\u0063ode":"c","coexistence":false}`,
			client.ConnectRequest{WabaID: "1", PhoneID: "2", Code: "c"}},
		{"a surrogate pair", `{"wabaId":"1","phoneId":"2","code":"\ud83d\ude00","coexistence":false}`,
			client.ConnectRequest{WabaID: "1", PhoneID: "2", Code: "😀"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := connecthandler.DecodePayload([]byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("payload (-want +got):\n%s", diff)
			}
		})
	}
}

// A refused payload gives nothing back: not even the part read before the problem.
func TestDecodePayloadKeepsNothingOnError(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		`{"code":"secret","wabaId":"1","phoneId":"2","coexistence":false,"extra":1}`,
		`{"code":"secret","wabaId":"1","phoneId":"2","coexistence":"no"}`,
	} {
		got, err := connecthandler.DecodePayload([]byte(body))
		if err == nil || got != (client.ConnectRequest{}) {
			t.Errorf("DecodePayload(%s): %+v, %v; want an error and nothing else", body, got, err)
		}
	}
}

// A backend that reads the payload itself gets the same refusals as the handler.
func ExampleDecodePayload() {
	req, err := connecthandler.DecodePayload([]byte(`{"wabaId":"428083093730937","phoneId":"123456789012345","code":"ABC123DEF456","coexistence":false}`))
	fmt.Println(req.WabaID, req.PhoneID, err)
	_, err = connecthandler.DecodePayload([]byte(`{"wabaId":"1","phoneId":"2","CODE":"ABC123DEF456","coexistence":false}`))
	fmt.Println(err)
	// Output:
	// 428083093730937 123456789012345 <nil>
	// member "CODE": not expected; names are case-sensitive: did you mean "code"?
}

// problems are the refusals' texts, besides the member they name: fixed words that can hold
// no value of the body.
var problems = regexp.MustCompile(`^(empty; want a JSON object|not a JSON object|not the expected JSON object|` +
	`not valid JSON \(at byte \d+\)|the JSON text ends early|more data after the JSON value|` +
	`duplicate member name|invalid UTF-8|a \\u escape is half a UTF-16 surrogate pair|missing|` +
	`(null; )?want (a string|true or false)|not expected; the members are "wabaId", "phoneId", "code", "coexistence"|` +
	`not expected; names are case-sensitive: did you mean "(wabaId|phoneId|code|coexistence)"\?)$`)

// FuzzDecodePayload holds DecodePayload to encoding/json: a payload it accepts is one object
// with exactly the four members, which encoding/json reads the same way; every refusal is a
// *strictjson.Error that repeats no value of the body: its problem is one of fixed words, at
// a place named by the body's member names.
func FuzzDecodePayload(f *testing.F) {
	for _, seed := range []string{
		`{"wabaId":"428083093730937","phoneId":"123456789012345","code":"ABC123DEF456","coexistence":false}`,
		`{"coexistence":true,"code":"x","phoneId":"2","wabaId":"1"}`,
		`{"wabaId":"1","phoneId":"2","code":"c","code":"d","coexistence":false}`,
		`{"wabaId":"1","phoneId":"2","CODE":"secret","coexistence":false}`,
		`{"wabaId":"1","phoneId":"2","code":"\ud800","coexistence":false}`,
		`{"wabaId":"1","phoneId":"2","code":null,"coexistence":false}`,
		`{"wabaId":"1","phoneId":"2","code":"c","coexistence":false} []`,
		`{"wabaId":"1","phoneId":"2","code":"c","coexistence":false,"x":{"y":[1,2]}}`,
		`{"wabaId":"1","phoneId":"2","code":"c","coexistence":false,"x":[{"y":1,"y":2}]}`,
		`{"wabaId":"1","phoneId":"2","code":secret}`,
		"{\"code\":\"\xff\"}", "{\"c\xffde\":\"secret\"}", `{"a~b/c":"secret"}`,
		`[]`, ``, `{`, `{}`, `"x"`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := connecthandler.DecodePayload(body)
		var generic map[string]any
		stdErr := json.Unmarshal(body, &generic)
		if err != nil {
			var se *strictjson.Error
			if !errors.As(err, &se) {
				t.Fatalf("error %T %v; want a *strictjson.Error", err, err)
			}
			if req != (client.ConnectRequest{}) {
				t.Fatalf("refused, yet returned %+v", req)
			}
			if !problems.MatchString(se.Problem) {
				t.Fatalf("refusal %q: the problem is not one of the fixed texts", err)
			}
			if stdErr == nil {
				checkNames(t, se.Pointer, generic)
			}
			return
		}
		if !utf8.Valid(body) || stdErr != nil {
			t.Fatalf("accepted %q, which is not valid UTF-8 JSON (%v)", body, stdErr)
		}
		if names := slices.Sorted(maps.Keys(generic)); !slices.Equal(names, []string{"code", "coexistence", "phoneId", "wabaId"}) {
			t.Fatalf("accepted %q with members %q", body, names)
		}
		var std client.ConnectRequest
		if err := json.Unmarshal(body, &std); err != nil || std != req {
			t.Fatalf("accepted %q as %+v; encoding/json reads %+v (%v)", body, req, std, err)
		}
		again, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		if back, err := connecthandler.DecodePayload(again); err != nil || back != req {
			t.Fatalf("%s: re-encoded, decodes as %+v, %v; want %+v", again, back, err, req)
		}
	})
}

// checkNames fails unless each step of pointer is a member name of body or of the payload,
// or an array index: a refusal locates the problem by names, never by a value.
func checkNames(t *testing.T, pointer string, body map[string]any) {
	t.Helper()
	names := map[string]bool{"wabaId": true, "phoneId": true, "code": true, "coexistence": true}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for k, e := range v {
				names[k] = true
				walk(e)
			}
		}
	}
	walk(body)
	if pointer == "" || names[pointer[1:]] { // strictjson names a top-level member unescaped
		return
	}
	for _, step := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		step = strings.NewReplacer("~1", "/", "~0", "~").Replace(step)
		if _, err := strconv.Atoi(step); err != nil && !names[strings.ToValidUTF8(step, "\uFFFD")] {
			t.Fatalf("refusal at %q: %q is not a member name of the body", pointer, step)
		}
	}
}
