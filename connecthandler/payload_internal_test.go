package connecthandler

import (
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/hubmessage/hubmessage-go/client"
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
			got, err := decodePayload([]byte(tc.body))
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
	got, err := decodePayload([]byte(`{"code":"secret","wabaId":"1","extra":1}`))
	if err == nil || got != (client.ConnectRequest{}) {
		t.Errorf("decodePayload: %+v, %v; want an error and nothing else", got, err)
	}
}

// FuzzDecodePayload holds the decoder to encoding/json: a payload it accepts is one object
// with exactly the four members, which encoding/json reads the same way; every refusal is a
// payloadError that repeats no value of the body.
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
		`{"wabaId":"1","phoneId":"2","code":secret}`,
		"{\"code\":\"\xff\"}",
		`[]`, ``, `{`, `"x"`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := decodePayload(body)
		var generic map[string]any
		stdErr := json.Unmarshal(body, &generic)
		if err != nil {
			if pe := new(payloadError); !errors.As(err, &pe) {
				t.Fatalf("error %T %v; want a *payloadError", err, err)
			}
			if req != (client.ConnectRequest{}) {
				t.Fatalf("refused, yet returned %+v", req)
			}
			if stdErr == nil {
				checkNoValue(t, err.Error(), generic)
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
		if back, err := decodePayload(again); err != nil || back != req {
			t.Fatalf("%s: re-encoded, decodes as %+v, %v; want %+v", again, back, err, req)
		}
	})
}

// checkNoValue fails if msg, once the member names it quotes are taken out, holds a string
// value of the body (of 4 bytes or more) that is not part of its fixed words: a refusal names
// members, never values.
func checkNoValue(t *testing.T, msg string, body map[string]any) {
	t.Helper()
	var values []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			values = append(values, v)
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for k, e := range v {
				msg = strings.ReplaceAll(msg, quoteShort(k), "")
				walk(e)
			}
		}
	}
	walk(body)
	for _, v := range values {
		if len(v) >= 4 && strings.Contains(msg, v) && !strings.Contains(fixedWords, v) {
			t.Fatalf("refusal %q repeats the value %q", msg, v)
		}
	}
}

// fixedWords holds every word a refusal may use besides member names.
const fixedWords = `the body is empty; the body is not valid UTF-8; the body is not a JSON object; ` +
	`the body is not valid JSON (at byte ; the body ends before the JSON object does; ` +
	`the body has more after the JSON object; member  appears more than once; member  is missing; ` +
	`member  must be true or false; member  must be a string; member  is not valid text; ` +
	`member  is not expected; names are case-sensitive: ; ` +
	`member  is not expected; the payload has exactly wabaId, phoneId, code and coexistence`
