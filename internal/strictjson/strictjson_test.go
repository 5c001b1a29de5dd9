package strictjson_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/hubmessage/hubmessage-go/internal/strictjson"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, data, want string }{
		{"object", `{"a":"x","b":[1,{"c":true}]}`, ""},
		{"escaped names, surrogate pairs", `{"\u0061":"\ud83d\ude00 😀 \ufffd"}`, ""},
		{"trailing space", "{} \r\n\t", ""},
		{"duplicate", `{"a":1,"a":2}`, `member "a": duplicate member name`},
		{"duplicate through an escape", `{"a":1,"\u0061":2}`, `member "a": duplicate member name`},
		{"nested duplicate", `{"a":[1,{"b":1,"b":2}]}`, `member "a/1/b": duplicate member name`},
		{"invalid UTF-8", "{\"a\":\"\xff\"}", `member "a": invalid UTF-8`},
		{"lone surrogate", `{"a":"\ud800"}`, `member "a": a \u escape is half a UTF-16 surrogate pair`},
		{"second half first", `{"a":"\udc00\ud800"}`, `member "a": a \u escape is half a UTF-16 surrogate pair`},
		{"trailing data", `{} {}`, "more data after the JSON value"},
		{"syntax", `{"a":sekret}`, "not valid JSON (at byte 5)"},
		{"ends early", `{"a":"sekret`, "the JSON text ends early"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := strictjson.Check([]byte(tc.data))
			if got := errText(err); got != tc.want {
				t.Errorf("Check(%q) = %q, want %q", tc.data, got, tc.want)
			}
		})
	}
}

type payload struct {
	Name  string   `json:"name"`
	Flag  bool     `json:"flag"`
	Tags  []string `json:"tags,omitempty"`
	Count int      `json:"count,omitzero"`
}

func TestDecode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, data, want string }{
		{"all", `{"name":"n","flag":true,"tags":["a"],"count":2}`, ""},
		{"optional left out", `{"flag":false,"name":"n"}`, ""},
		{"empty", " ", "empty; want a JSON object"},
		{"not an object", `["name"]`, "not a JSON object"},
		{"null", `null`, "not a JSON object"},
		{"a name with a slash", `{"a/b":1,"name":"n","flag":true}`, `member "a~1b": not expected; the members are "name", "flag", "tags", "count"`},
		{"missing", `{"name":"n"}`, `member "flag": missing`},
		{"unknown", `{"name":"n","flag":true,"sekret":1}`, `member "sekret": not expected; the members are "name", "flag", "tags", "count"`},
		{"case variant", `{"NAME":"n","flag":true}`, `member "NAME": not expected; names are case-sensitive: did you mean "name"?`},
		{"twice", `{"name":"n","name":"m","flag":true}`, `member "name": duplicate member name`},
		{"null", `{"name":null,"flag":true}`, `member "name": null; want a string`},
		{"wrong type", `{"name":"n","flag":"sekret"}`, `member "flag": want true or false`},
		{"wrong item type", `{"name":"n","flag":true,"tags":[1]}`, `member "tags/0": want a string`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got payload
			err := strictjson.Decode([]byte(tc.data), &got)
			if msg := errText(err); msg != tc.want {
				t.Fatalf("Decode(%q) = %q, want %q", tc.data, msg, tc.want)
			}
			if err != nil && (got.Name != "" || got.Flag || got.Tags != nil) {
				t.Errorf("Decode(%q) refused, yet filled %+v", tc.data, got)
			}
		})
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// FuzzDecode holds Decode to encoding/json: what it accepts, encoding/json reads the same, and
// a refusal is an *Error that repeats no string value of the text.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`{"name":"n","flag":true,"tags":["a"],"count":2}`, `{"name":"n","name":"sekret","flag":true}`,
		`{"NAME":"sekret","flag":true}`, "{\"name\":\"\xff\",\"flag\":true}", `{"name":"\ud800","flag":true}`,
		`{"name":"n","flag":true} []`, `{"name":sekret}`, `[]`, ``, `{`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var got payload
		err := strictjson.Decode(data, &got)
		var generic map[string]any
		stdErr := json.Unmarshal(data, &generic)
		if err != nil {
			var se *strictjson.Error
			if !errors.As(err, &se) {
				t.Fatalf("error %T %v; want a *strictjson.Error", err, err)
			}
			for _, v := range generic {
				if s, ok := v.(string); ok && len(s) >= 6 && strings.Contains(err.Error(), s) {
					t.Fatalf("refusal %q repeats the value %q", err, s)
				}
			}
			return
		}
		var std payload
		if stdErr != nil || json.Unmarshal(data, &std) != nil || std.Name != got.Name || std.Flag != got.Flag || std.Count != got.Count {
			t.Fatalf("accepted %q as %+v; encoding/json reads %+v (%v)", data, got, std, stdErr)
		}
	})
}
