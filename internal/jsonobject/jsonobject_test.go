package jsonobject

import (
	"strings"
	"testing"
)

func TestMembers(t *testing.T) {
	for _, tc := range []struct {
		name, in, wantErr string
		want              int // members read
	}{
		{name: "both", in: `{"a":1,"b":"x"}`, want: 2},
		{name: "none", in: `{}`, want: 0},
		{name: "array", in: `[]`, wantErr: "not a JSON object but an array"},
		{name: "null", in: `null`, wantErr: "not a JSON object but null"},
		{name: "empty", in: ``, wantErr: "not a JSON object: EOF"},
		{name: "unknown", in: `{"c":1}`, wantErr: `unknown member "c"; the members are "a", "b"`},
		{name: "case variant", in: `{"A":1}`, wantErr: `unknown member "A"`},
		{name: "twice", in: `{"a":1,"a":2}`, wantErr: `member "a" is given twice`},
		{name: "bad value", in: `{"a":tru}`, wantErr: `member "a": invalid character`},
		{name: "trailing", in: `{} x`, wantErr: "more data after the JSON object"},
		{name: "unclosed", in: `{"a":1`, wantErr: "not a JSON object: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Members([]byte(tc.in), "a", "b")
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("error %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
			case tc.wantErr == "" && len(got) != tc.want:
				t.Fatalf("%d members, want %d", len(got), tc.want)
			}
		})
	}
}

func FuzzMembers(f *testing.F) {
	f.Add(`{"a":"secret-value","b":2}`)
	f.Add(`{"a":1,"a":"secret-value"}`)
	f.Fuzz(func(t *testing.T, in string) {
		got, err := Members([]byte(in), "a", "b")
		if err != nil {
			return
		}
		for name := range got {
			if name != "a" && name != "b" {
				t.Fatalf("member %q accepted", name)
			}
		}
	})
}
