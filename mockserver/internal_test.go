package mockserver

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hubmessage/hubmessage-go/contracttest"
	"github.com/hubmessage/hubmessage-go/openapi"
)

// The server's messages are the spec's own examples, at the status the server uses them with.
func TestMessagesAreSpecExamples(t *testing.T) {
	doc, err := openapi.Spec()
	if err != nil {
		t.Fatal(err)
	}
	examples, _, err := readExamples(doc)
	if err != nil {
		t.Fatal(err)
	}
	op := examples["connectMetaChannel"]
	for _, tc := range []struct {
		status  int
		message string
	}{
		{401, msgUnauthorized}, {404, msgChannelNotFound}, {422, msgTypeNotSupported}, {422, msgCodeAlreadyUsed},
		{422, msgCodeExpired}, {422, msgStillConnected}, {502, msgIntegrationError}, {500, msgInternal},
	} {
		found := slices.ContainsFunc(op.byStatus[tc.status], func(ex namedExample) bool {
			return ex.value.(map[string]any)["message"] == tc.message
		})
		if !found {
			t.Errorf("%d %q is not an example of the spec", tc.status, tc.message)
		}
	}
}

// The generated wrapper's own error paths answer in the error shape, not http.Error's text.
func TestGeneratedErrorPathsAnswerErrorShape(t *testing.T) {
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	v, err := contracttest.New()
	if err != nil {
		t.Fatal(err)
	}
	target := "/v1/channels/" + ChannelUUID + "/connect"
	for _, tc := range []struct {
		name   string
		serve  func(w http.ResponseWriter, r *http.Request)
		status int
	}{
		{"strict handler, invalid JSON", s.handler.ServeHTTP, 400},
		{"request error", func(w http.ResponseWriter, r *http.Request) { s.requestError(w, r, errors.New("bad")) }, 400},
		{"response error", func(w http.ResponseWriter, r *http.Request) { s.responseError(w, r, errors.New("boom")) }, 500},
		{"mux fallback", func(w http.ResponseWriter, r *http.Request) {
			r.URL.Path += "/x"
			s.handler.ServeHTTP(w, r)
		}, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, target, strings.NewReader("{not json"))
			rec := httptest.NewRecorder()
			tc.serve(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("status %d body %s, want %d", rec.Code, rec.Body, tc.status)
			}
			probe := httptest.NewRequest(http.MethodPost, target, nil)
			if err := v.ValidateResponse(probe, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
				t.Errorf("%d %s: %v", rec.Code, rec.Body, err)
			}
		})
	}
}

func TestParsePrefer(t *testing.T) {
	for _, tc := range []struct {
		name    string
		values  []string
		want    preference
		wantErr string
	}{
		{"none", nil, preference{}, ""},
		{"code", []string{"code=404"}, preference{code: 404}, ""},
		{"example", []string{"example=codeExpired"}, preference{example: "codeExpired"}, ""},
		{"both with params", []string{`code=422;foo=bar, example="x" , wait=10`}, preference{code: 422, example: "x"}, ""},
		{"same code twice", []string{"code=404", "code=404"}, preference{code: 404}, ""},
		{"empty items", []string{",,; ,"}, preference{}, ""},
		{"code out of range", []string{"code=99"}, preference{}, `code="99" is not an HTTP status`},
		{"code empty", []string{"code"}, preference{}, `code="" is not an HTTP status`},
		{"example empty", []string{"example="}, preference{}, "names no example"},
		{"examples differ", []string{"example=a, example=b"}, preference{}, "example is given twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parsePrefer(tc.values)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(preference{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzParsePrefer(f *testing.F) {
	for _, seed := range []string{"code=404", "code=422, example=codeExpired", `example="a"; code=200`, "return=minimal", "code=", ",;=,"} {
		f.Add(seed)
	}
	doc, err := openapi.Spec()
	if err != nil {
		f.Fatal(err)
	}
	examples, _, err := readExamples(doc)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, value string) {
		p, err := parsePrefer([]string{value})
		if err != nil || !p.set() {
			return
		}
		if p.code != 0 && (p.code < 100 || p.code > 599) {
			t.Fatalf("code %d accepted", p.code)
		}
		ex, err := examples["connectMetaChannel"].pick(p)
		if err == nil && (ex.status < 100 || (p.code != 0 && ex.status != p.code) || (p.example != "" && ex.name != p.example)) {
			t.Fatalf("pick(%+v) = %+v", p, ex)
		}
	})
}
