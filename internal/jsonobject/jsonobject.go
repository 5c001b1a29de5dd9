// Package jsonobject reads a JSON object whose member names are fixed, exactly as written:
// encoding/json alone would bind "CODE" to code and keep the last of two repeated members, so
// what a check saw and what a handler acts on could differ.
package jsonobject

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Members splits data, which must be exactly one JSON object, into its members. Every member
// name must be one of names, matched exactly, and appear at most once; nothing may follow the
// object. Errors name the member, never its value.
func Members(data []byte, names ...string) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		if err != nil {
			return nil, fmt.Errorf("not a JSON object: %w", err)
		}
		return nil, fmt.Errorf("not a JSON object but %s", kind(tok))
	}
	members := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("not a JSON object: %w", err)
		}
		name, _ := tok.(string) // inside an object, a key is a string
		if !slices.Contains(names, name) {
			return nil, fmt.Errorf("unknown member %.64q; the members are %s", name, quoteAll(names))
		}
		if _, dup := members[name]; dup {
			return nil, fmt.Errorf("member %q is given twice", name)
		}
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, fmt.Errorf("member %q: %w", name, err)
		}
		members[name] = value
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("more data after the JSON object")
	}
	return members, nil
}

func kind(tok json.Token) string {
	switch tok.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case float64, json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case json.Delim:
		return "an array"
	}
	return fmt.Sprintf("%T", tok)
}

func quoteAll(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
