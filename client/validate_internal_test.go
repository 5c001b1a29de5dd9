package client

import (
	"errors"
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hubmessage/hubmessage-go/gen"
)

// thingRules is what genconstraints generates for an operation with every kind of rule the
// live spec does not use yet (its fixture cmd/genconstraints/testdata/things.yaml
// holds them): query parameters, an integer with bounds, enums, a described pattern, a
// nullable property.
var thingRules = gen.OperationRules{
	OperationID: "updateThing",
	Method:      "PUT",
	Path:        "/v1/things/{thingId}",
	Params: []gen.Rule{
		{Name: "thingId", In: "path", Type: "string", Required: true, MaxLength: -1, Pattern: regexp.MustCompile(`^[0-9a-f]{8}$`), PatternDescription: "8 hexadecimal digits"},
		{Name: "limit", In: "query", Type: "integer", MaxLength: -1, Minimum: &gen.Bound{Value: 1}, Maximum: &gen.Bound{Value: 100}},
		{Name: "state", In: "query", Type: "string", Required: true, MaxLength: -1, Enum: []string{"open", "closed"}},
		{Name: "verbose", In: "query", Type: "boolean", MaxLength: -1},
	},
	Body: &gen.BodyRules{Required: true, Properties: []gen.Rule{
		{Name: "code", In: "body", Type: "string", MaxLength: -1, Pattern: regexp.MustCompile(`^[A-Z]{3}$`)},
		{Name: "kind", In: "body", Type: "string", Required: true, MaxLength: -1, Enum: []string{"small", "large"}},
		{Name: "level", In: "body", Type: "integer", MaxLength: -1, Enum: []string{"1", "2"}},
		{Name: "name", In: "body", Type: "string", Required: true, MinLength: 1, MaxLength: 8},
		{Name: "ratio", In: "body", Type: "number", MaxLength: -1},
		{Name: "reason", In: "body", Type: "string", Nullable: true, MinLength: 2, MaxLength: -1},
		{Name: "weight", In: "body", Type: "integer", MaxLength: -1, Minimum: &gen.Bound{Value: 0, Exclusive: true}, Maximum: &gen.Bound{Value: 1000, Exclusive: true}},
	}},
}

// thingSize and thingBody are what oapi-codegen generates for the body of thingRules: an
// enum as a defined string type, optional properties as pointers tagged omitempty.
type thingSize string

type thingBody struct {
	Code   *string   `json:"code,omitempty"`
	Kind   thingSize `json:"kind"`
	Level  *int      `json:"level,omitempty"`
	Name   string    `json:"name"`
	Ratio  *float32  `json:"ratio,omitempty"`
	Reason *string   `json:"reason,omitempty"`
	Weight *int64    `json:"weight,omitempty"`
}

func ptr[T any](v T) *T { return &v }

func TestValidate(t *testing.T) {
	t.Parallel()
	params := func(edit func(map[string]string)) map[string]string {
		p := map[string]string{"thingId": "0a1b2c3d", "limit": "10", "state": "open", "verbose": "true"}
		if edit != nil {
			edit(p)
		}
		return p
	}
	body := func(edit func(*thingBody)) *thingBody {
		b := &thingBody{Code: ptr("ABC"), Kind: "small", Level: ptr(2), Name: "box", Ratio: ptr[float32](0.5), Reason: ptr("because"), Weight: ptr[int64](5)}
		if edit != nil {
			edit(b)
		}
		return b
	}
	tests := []struct {
		name   string
		params map[string]string
		body   any
		want   string // "" for valid
	}{
		{name: "valid", params: params(nil), body: body(nil)},
		{name: "valid, body by value", params: params(nil), body: *body(nil)},
		{name: "optional parameters and properties left out", params: params(func(p map[string]string) { delete(p, "limit"); delete(p, "verbose") }), body: &thingBody{Kind: "large", Name: "box"}},
		{name: "pattern described in words", params: params(func(p map[string]string) { p["thingId"] = "0A1B2C3D" }), body: body(nil), want: "thingId: must be 8 hexadecimal digits"},
		{name: "pattern without words", params: params(nil), body: body(func(b *thingBody) { b.Code = ptr("abc") }), want: "code: must match ^[A-Z]{3}$"},
		{name: "empty path parameter", params: params(func(p map[string]string) { p["thingId"] = "" }), body: body(nil), want: "thingId: must not be empty"},
		{name: "missing path parameter", params: params(func(p map[string]string) { delete(p, "thingId") }), body: body(nil), want: "thingId: is required"},
		{name: "misspelt parameter", params: params(func(p map[string]string) { p["Limit"] = "1" }), body: body(nil), want: "Limit: is not a parameter of updateThing"},
		{name: "integer below minimum", params: params(func(p map[string]string) { p["limit"] = "0" }), body: body(nil), want: "limit: must be at least 1"},
		{name: "integer above maximum", params: params(func(p map[string]string) { p["limit"] = "101" }), body: body(nil), want: "limit: must be at most 100"},
		{name: "integer not an integer", params: params(func(p map[string]string) { p["limit"] = "ten" }), body: body(nil), want: "limit: must be an integer"},
		{name: "required enum missing", params: params(func(p map[string]string) { delete(p, "state") }), body: body(nil), want: "state: is required"},
		{name: "enum", params: params(func(p map[string]string) { p["state"] = "Open" }), body: body(nil), want: "state: must be one of open, closed"},
		{name: "boolean", params: params(func(p map[string]string) { p["verbose"] = "yes" }), body: body(nil), want: "verbose: must be true or false"},
		{name: "parameter not UTF-8", params: params(func(p map[string]string) { p["thingId"] = "0a1b2c3\xff" }), body: body(nil), want: "thingId: must be valid UTF-8"},
		{name: "body missing", params: params(nil), want: "request body: is required"},
		{name: "body not a struct", params: params(nil), body: []int{1}, want: "request body: must be one of gen's body types, not []int"},
		{name: "property enum", params: params(nil), body: body(func(b *thingBody) { b.Kind = "huge" }), want: "kind: must be one of small, large"},
		{name: "required enum left empty", params: params(nil), body: body(func(b *thingBody) { b.Kind = "" }), want: "kind: must be one of small, large"},
		{name: "integer enum", params: params(nil), body: body(func(b *thingBody) { b.Level = ptr(3) }), want: "level: must be one of 1, 2"},
		{name: "exclusive minimum", params: params(nil), body: body(func(b *thingBody) { b.Weight = ptr[int64](0) }), want: "weight: must be greater than 0"},
		{name: "exclusive maximum", params: params(nil), body: body(func(b *thingBody) { b.Weight = ptr[int64](1000) }), want: "weight: must be less than 1000"},
		{name: "number that JSON cannot carry", params: params(nil), body: body(func(b *thingBody) { b.Ratio = ptr(float32(math.Inf(1))) }), want: "ratio: must be a finite number"},
		{name: "nullable property checked when set", params: params(nil), body: body(func(b *thingBody) { b.Reason = ptr("x") }), want: "reason: must be at least 2 characters, have 1"},
		{name: "too long, in characters", params: params(nil), body: body(func(b *thingBody) { b.Name = "ééééééééé" }), want: "name: must be at most 8 characters, have 9"},
		{name: "eight characters of two bytes each", params: params(nil), body: body(func(b *thingBody) { b.Name = "éééééééé" })},
		{name: "property not UTF-8", params: params(nil), body: body(func(b *thingBody) { b.Name = "b\xffx" }), want: "name: must be valid UTF-8"},
		{name: "a real U+FFFD is valid", params: params(nil), body: body(func(b *thingBody) { b.Name = "b\uFFFDx" })},
		{
			name:   "every problem at once, in rule order",
			params: map[string]string{"thingId": "x", "limit": "0"},
			body:   &thingBody{Kind: "huge"},
			want:   "thingId: must be 8 hexadecimal digits; limit: must be at least 1; state: is required; kind: must be one of small, large; name: must not be empty",
		},

		// Go types that disagree with the rules, as a stale or hand-made body type would.
		{name: "required property the type lacks", params: params(nil), body: struct {
			Kind string `json:"kind"`
		}{"small"}, want: "name: is required"},
		{name: "property of another type", params: params(nil), body: struct {
			Kind string `json:"kind"`
			Name int    `json:"name"`
		}{"small", 7}, want: "name: must be a string, have a Go int"},
		{name: "null where not nullable", params: params(nil), body: struct {
			Kind string  `json:"kind"`
			Name *string `json:"name"`
		}{"small", nil}, want: "name: must not be null"},
		{name: "null where nullable", params: params(nil), body: struct {
			Kind   string  `json:"kind"`
			Name   string  `json:"name"`
			Reason *string `json:"reason"`
		}{"small", "box", nil}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := validate(&thingRules, tc.params, tc.body)
			got := ""
			if err != nil {
				got = err.Error()
				if !errors.Is(err, ErrInvalidInput) {
					t.Errorf("error %v does not match ErrInvalidInput", err)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("validate (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateBodyless(t *testing.T) {
	t.Parallel()
	rules := gen.OperationRules{OperationID: "getThing", Params: thingRules.Params[:1]}
	if err := validate(&rules, map[string]string{"thingId": "0a1b2c3d"}, nil); err != nil {
		t.Errorf("valid body-less call: %v", err)
	}
	if err := validate(&rules, map[string]string{"thingId": "0a1b2c3d"}, &thingBody{}); err == nil || err.Error() != "request body: getThing takes none" {
		t.Errorf("body given to a body-less operation: error %v", err)
	}
	optional := gen.OperationRules{OperationID: "deleteThing", Body: &gen.BodyRules{Properties: thingRules.Body.Properties[5:6]}}
	if err := validate(&optional, nil, nil); err != nil {
		t.Errorf("optional body left out: %v", err)
	}
}

// FuzzValidate: no input makes validate panic, and a problem never repeats the value.
func FuzzValidate(f *testing.F) {
	f.Add("0a1b2c3d", "10", "box", "ABC")
	f.Add("", "x", "", "\xff")
	f.Add("0a1b2c3d\n", "-1", "\x00\x00", "ABCD")
	f.Fuzz(func(t *testing.T, thingID, limit, name, code string) {
		check := func(thingID, limit, name, code string) error {
			return validate(&thingRules, map[string]string{"thingId": thingID, "limit": limit, "state": "open"}, &thingBody{Kind: "small", Name: name, Code: &code})
		}
		check(thingID, limit, name, code)
		// Marked, the values are easy to find in an error that would repeat them.
		const mark = "SECRET"
		err := check(mark+thingID, mark+limit, mark+name, mark+code)
		if err == nil || strings.Contains(err.Error(), mark) {
			t.Fatalf("error %v, want one that repeats no value", err)
		}
	})
}
