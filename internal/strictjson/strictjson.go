// Package strictjson is the kit's one strict JSON reader: a text is accepted only when every
// decoder reads it the same way. Member names appear once per object, strings are valid UTF-8
// with whole surrogate pairs, and nothing follows the value (RFC 7493, I-JSON). [Decode] also
// matches member names exactly, where encoding/json would bind "CODE" to code. Errors locate
// the problem and never repeat a value: a value may be a secret, such as a single-use code.
package strictjson

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Error is why a text was refused: where, and what is wrong there.
type Error struct {
	// Pointer locates the problem (RFC 6901): "/code"; "" for the text as a whole.
	Pointer string
	// Problem says what is wrong, in words that never hold a value: "duplicate member name".
	Problem string
}

func (e *Error) Error() string {
	if e.Pointer == "" {
		return e.Problem
	}
	return fmt.Sprintf("member %.64q: %s", strings.TrimPrefix(e.Pointer, "/"), e.Problem) // a name the sender chose, cut short
}

// Check reports the first way data is not exactly one strict JSON value, as an *Error, or nil.
func Check(data []byte) error {
	if jsontext.Value(data).IsValid() {
		return nil
	}
	dec := jsontext.NewDecoder(bytes.NewReader(data))
	_, err := dec.ReadValue()
	if err == nil {
		if _, err = dec.ReadToken(); err == io.EOF {
			return nil // cannot happen: IsValid said otherwise
		}
		return &Error{Problem: "more data after the JSON value"}
	}
	return syntaxError(err)
}

// syntaxError words a jsontext error. jsontext's own text may quote the bytes at fault, which
// may be part of a secret: only the kind of problem and where it is are kept.
func syntaxError(err error) *Error {
	var se *jsontext.SyntacticError
	if !errors.As(err, &se) {
		return &Error{Problem: "not valid JSON"}
	}
	msg := se.Err.Error()
	switch {
	case errors.Is(se.Err, jsontext.ErrDuplicateName):
		return &Error{Pointer: string(se.JSONPointer), Problem: "duplicate member name"}
	case strings.HasPrefix(msg, "invalid UTF-8"):
		return &Error{Pointer: string(se.JSONPointer), Problem: "invalid UTF-8"}
	case strings.Contains(msg, "surrogate"):
		return &Error{Pointer: string(se.JSONPointer), Problem: `a \u escape is half a UTF-16 surrogate pair`}
	case errors.Is(se.Err, io.ErrUnexpectedEOF):
		return &Error{Problem: "the JSON text ends early"}
	}
	return &Error{Problem: fmt.Sprintf("not valid JSON (at byte %d)", se.ByteOffset)}
}

// Decode reads data, exactly one strict JSON object, into v, a pointer to a struct. Each
// member must be the json name of one of its fields, matched exactly; every field without
// omitempty or omitzero in its tag must be given, and none may be null. On error v is left
// as it was and the error is an *Error.
func Decode(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return &Error{Problem: "empty; want a JSON object"}
	}
	if err := Check(data); err != nil {
		return err
	}
	var members map[string]jsontext.Value
	if jsontext.Value(data).Kind() != '{' || json.Unmarshal(data, &members) != nil {
		return &Error{Problem: "not a JSON object"}
	}
	t := reflect.TypeOf(v).Elem()
	fields := fieldsOf(t)
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	for _, name := range slices.Sorted(maps.Keys(members)) {
		switch i := slices.IndexFunc(fields, func(f field) bool { return f.name == name }); {
		case i < 0:
			return unknown(name, names)
		case members[name].Kind() == 'n':
			return &Error{Pointer: pointerTo(name), Problem: "null; want " + want(fields[i].typ)}
		}
	}
	for _, f := range fields {
		if _, ok := members[f.name]; !ok && f.required {
			return &Error{Pointer: pointerTo(f.name), Problem: "missing"}
		}
	}
	out := reflect.New(t)
	if err := json.Unmarshal(data, out.Interface()); err != nil {
		var se *json.SemanticError
		if errors.As(err, &se) && se.JSONPointer != "" && se.GoType != nil {
			return &Error{Pointer: string(se.JSONPointer), Problem: "want " + want(se.GoType)}
		}
		return &Error{Problem: "not the expected JSON object"}
	}
	reflect.ValueOf(v).Elem().Set(out.Elem())
	return nil
}

// field is a struct field as Decode sees it.
type field struct {
	name     string
	typ      reflect.Type
	required bool
}

func fieldsOf(t reflect.Type) []field {
	var out []field
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		optional := slices.ContainsFunc(strings.Split(opts, ","), func(o string) bool { return o == "omitempty" || o == "omitzero" })
		out = append(out, field{name: name, typ: f.Type, required: !optional})
	}
	return out
}

// unknown refuses a member name, naming the expected one when only its case differs.
func unknown(name string, names []string) *Error {
	for _, n := range names {
		if strings.EqualFold(n, name) {
			return &Error{Pointer: pointerTo(name), Problem: "not expected; names are case-sensitive: did you mean " + strconv.Quote(n) + "?"}
		}
	}
	if len(names) == 0 {
		return &Error{Pointer: pointerTo(name), Problem: "not expected; the object takes no members"}
	}
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = strconv.Quote(n)
	}
	return &Error{Pointer: pointerTo(name), Problem: "not expected; the members are " + strings.Join(quoted, ", ")}
}

// pointerTo is the JSON pointer (RFC 6901) of a top-level member.
func pointerTo(name string) string {
	return "/" + strings.ReplaceAll(strings.ReplaceAll(name, "~", "~0"), "/", "~1")
}

// want says what JSON a Go type takes.
func want(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Pointer:
		return want(t.Elem())
	}
	return "an object"
}
