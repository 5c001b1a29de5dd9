package contracttest_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hubmessage/hubmessage-go/contracttest"
	"github.com/hubmessage/hubmessage-go/openapi"
)

// request builds the request a case describes, against no server.
func request(c contracttest.Case, key string) *http.Request {
	r := httptest.NewRequest(c.Method, c.Path, bytes.NewReader(c.Body))
	for k, v := range c.Header {
		r.Header[k] = v
	}
	switch {
	case c.UseSecretKey:
		r.Header.Set("Authorization", "Bearer "+key)
	case c.Authorization != "":
		r.Header.Set("Authorization", c.Authorization)
	}
	return r
}

// The validator is the spec's judge: every generated negative request must break it, and every
// positive one must pass it. Otherwise a case tests nothing, or tests the wrong thing.
func TestCasesAgreeWithTheValidator(t *testing.T) {
	t.Parallel()
	cases, err := contracttest.Cases(contracttest.CaseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	v := contracttest.MustNew(t, contracttest.WithSecretKey(secretKey))
	names := map[string]bool{}
	for _, c := range cases {
		if names[c.Name] {
			t.Errorf("duplicate case name %s", c.Name)
		}
		names[c.Name] = true
		if !strings.HasPrefix(c.Name, c.Check+"/") {
			t.Errorf("case %s is not named after its check %s", c.Name, c.Check)
		}
		_, err := v.ValidateRequest(request(c, secretKey))
		if valid := err == nil; valid != (c.Check == contracttest.CheckPositiveDataAcceptance) {
			t.Errorf("%s: validator says valid=%v (%v)", c.Name, valid, err)
		}
		if c.ChangesState != (c.Check == contracttest.CheckPositiveDataAcceptance) {
			t.Errorf("%s: ChangesState=%v", c.Name, c.ChangesState)
		}
	}
	for _, want := range []string{
		"positive_data_acceptance/sdkPayload", "positive_data_acceptance/coexistence",
		"ignored_auth/no_token", "ignored_auth/wrong_token", "ignored_auth/malformed_header/basic",
		"negative_data_rejection/body/wabaId/missing", "negative_data_rejection/body/coexistence/wrong_type",
		"negative_data_rejection/body/phoneId/pattern", "negative_data_rejection/body/code/max_length",
		"negative_data_rejection/body/malformed_json", "negative_data_rejection/body/empty",
		"negative_data_rejection/header/content_type/text_plain", "negative_data_rejection/path/channelId/pattern",
		"unsupported_method/GET", "unknown_path/root",
	} {
		if !names[want] {
			t.Errorf("no case %s", want)
		}
	}
}

func TestCasesUseSuppliedInputs(t *testing.T) {
	t.Parallel()
	cases, err := contracttest.Cases(contracttest.CaseOptions{
		PathParams: map[string]string{"channelId": knownUUID},
		BodyValues: map[string]any{"code": "FRESHCODE", "wabaId": "999"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if c.Check != contracttest.CheckPositiveDataAcceptance {
			continue
		}
		if c.Path != "/v1/channels/"+knownUUID+"/connect" || !bytes.Contains(c.Body, []byte(`"code":"FRESHCODE"`)) || !bytes.Contains(c.Body, []byte(`"wabaId":"999"`)) {
			t.Errorf("%s: %s %s ignores the supplied inputs", c.Name, c.Path, c.Body)
		}
	}
}

// Cases come from the schema, not from a list of this API's fields: another spec gets its own.
func TestCasesDeriveFromAnySchema(t *testing.T) {
	t.Parallel()
	doc, err := openapi.Parse("pets.yaml", []byte(`openapi: 3.0.3
info: {title: pets, version: "1"}
paths:
  /pets/{petId}:
    put:
      operationId: putPet
      parameters:
        - {name: petId, in: path, required: true, schema: {type: string, pattern: '^[0-9]+$', maxLength: 5}}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [age, kind]
              properties:
                age: {type: integer, minimum: 0, maximum: 40}
                kind: {type: string, enum: [cat, dog]}
                owner:
                  type: object
                  required: [name]
                  properties: {name: {type: string, minLength: 2}}
            example: {age: 3, kind: cat, owner: {name: Ann}}
      responses:
        '200': {description: ok}
`))
	if err != nil {
		t.Fatal(err)
	}
	cases, err := contracttest.Cases(contracttest.CaseOptions{Spec: doc, PathParams: map[string]string{"petId": "12"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cases {
		if c.Check == contracttest.CheckNegativeDataRejection && strings.Contains(c.Name, "/body/") {
			got = append(got, strings.TrimPrefix(c.Name, "negative_data_rejection/"))
		}
	}
	want := []string{
		"body/malformed_json", "body/empty", "body/not_an_object",
		"body/age/missing", "body/age/wrong_type", "body/age/null", "body/age/below_minimum", "body/age/above_maximum",
		"body/kind/missing", "body/kind/wrong_type", "body/kind/null", "body/kind/not_in_enum",
		"body/owner/wrong_type", "body/owner/null",
		"body/owner/name/missing", "body/owner/name/wrong_type", "body/owner/name/null", "body/owner/name/min_length",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("body cases (-want +got):\n%s", diff)
	}
	v, err := contracttest.NewForSpec(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		_, err := v.ValidateRequest(request(c, "k"))
		if c.Check == contracttest.CheckNegativeDataRejection && err == nil {
			t.Errorf("%s: %s %s passes the validator", c.Name, c.Path, c.Body)
		}
	}
	if !slices.ContainsFunc(cases, func(c contracttest.Case) bool { return c.Name == "negative_data_rejection/path/petId/max_length" }) {
		t.Error("no case for petId's maxLength")
	}
	if slices.ContainsFunc(cases, func(c contracttest.Case) bool { return c.Check == contracttest.CheckIgnoredAuth }) {
		t.Error("ignored_auth cases for a spec without security")
	}
}
