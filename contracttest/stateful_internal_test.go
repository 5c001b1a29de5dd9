package contracttest

import (
	"encoding/json"
	"testing"
)

func TestResolve(t *testing.T) {
	t.Parallel()
	body := []byte(`{"id":"c1","n":7,"a/b":{"x~y":[true,"z"]},"o":{}}`)
	for _, tc := range []struct{ expr, want, err string }{
		{"$response.body#/id", "c1", ""},
		{"$response.body#/n", "7", ""},
		{"$response.body#/a~1b/x~0y/0", "true", ""},
		{"$response.body#/a~1b/x~0y/1", "z", ""},
		{"literal", "literal", ""},
		{"$response.body#/missing", "", "response body has no /missing"},
		{"$response.body#/a~1b/x~0y/2", "", "response body has no /a~1b/x~0y/2"},
		{"$response.body#/o", "", "response body's /o is not a string, number or boolean"},
		{"$request.path.id", "", "only $response.body#/… expressions are supported"},
		{"$response.body#id", "", `"id" is not a JSON pointer`},
	} {
		got, err := resolve(tc.expr, body)
		if got != tc.want || (err == nil) != (tc.err == "") || err != nil && err.Error() != tc.err {
			t.Errorf("resolve(%q) = %q, %v; want %q, %q", tc.expr, got, err, tc.want, tc.err)
		}
	}
}

// resolve reads a server's response body: it never panics, and finds a string id where it is.
func FuzzResolve(f *testing.F) {
	f.Add([]byte(`{"id":"c1"}`), "/id", "c1")
	f.Add([]byte(`[1,{"a":null}]`), "/1/a", "")
	f.Add([]byte(`nope`), "", "x")
	f.Fuzz(func(t *testing.T, body []byte, ptr, id string) {
		_, _ = resolve("$response.body#"+ptr, body)
		doc, _ := json.Marshal(map[string]string{"id": id})
		var want struct{ ID string }
		_ = json.Unmarshal(doc, &want) // invalid UTF-8 comes back as U+FFFD
		if got, err := resolve("$response.body#/id", doc); err != nil || got != want.ID {
			t.Errorf("resolve(/id) of %s = %q, %v", doc, got, err)
		}
	})
}
