package contracttest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/hubmessage/hubmessage-go/contracttest"
	"github.com/hubmessage/hubmessage-go/openapi"
)

// A server guarded by the enforcing middleware, and a client whose transport checks every
// exchange. In a test, pass t instead of nil and the violations fail it.
func Example() {
	v, err := contracttest.New(contracttest.WithSecretKey("sk_example"))
	if err != nil {
		panic(err)
	}
	api := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"success":true}`)
	}))
	srv := httptest.NewServer(api)
	defer srv.Close()

	client := &http.Client{Transport: contracttest.Transport(nil, nil,
		contracttest.OnViolation(func(vs contracttest.Violations) {
			for _, v := range vs {
				fmt.Println("  violation:", v)
			}
		}))}
	for _, body := range []string{
		`{"wabaId":"428083093730937","phoneId":"123456789012345","code":"ABC123DEF456","coexistence":false}`,
		`{"wabaId":"4280-8309","phoneId":"123456789012345"}`,
	} {
		fmt.Println("send", body)
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/channels/019E4C54B1B375A28970B605CA9B03C3/connect", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer sk_example")
		resp, err := client.Do(req)
		if err != nil {
			panic(err)
		}
		reply, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println("  got", resp.StatusCode, string(reply))
	}
	// Output:
	// send {"wabaId":"428083093730937","phoneId":"123456789012345","code":"ABC123DEF456","coexistence":false}
	//   got 200 {"success":true}
	// send {"wabaId":"4280-8309","phoneId":"123456789012345"}
	//   violation: connectMetaChannel request: body /code: property "code" is missing
	//   violation: connectMetaChannel request: body /coexistence: property "coexistence" is missing
	//   violation: connectMetaChannel request: body /wabaId: string doesn't match the regular expression "^[0-9]+$"
	//   got 400 {"error":400,"message":"body /code: property \"code\" is missing; body /coexistence: property \"coexistence\" is missing; body /wabaId: string doesn't match the regular expression \"^[0-9]+$\""}
}

// Verify runs the spec's generated cases against any server, here one that accepts anything.
func ExampleVerify() {
	lax := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"success":true}`)
	}))
	defer lax.Close()

	report, err := contracttest.Verify(context.Background(), lax.URL, contracttest.VerifyOptions{SecretKey: "sk_example"})
	if err != nil {
		panic(err)
	}
	for _, res := range report.Results {
		if res.Case == "ignored_auth/connectMetaChannel/no_token" || res.Case == "negative_data_rejection/connectMetaChannel/body/wabaId/missing" {
			fmt.Println(res.Case, res.Failures[0].Check+":", res.Failures[0].Message)
		}
	}
	fmt.Println("passed:", report.Passed())
	// Output:
	// ignored_auth/connectMetaChannel/no_token ignored_auth: status 200, want 401; body: "{\"success\":true}"
	// negative_data_rejection/connectMetaChannel/body/wabaId/missing negative_data_rejection: status 200, want 4XX; body: "{\"success\":true}"
	// passed: false
}

// Coverage says which documented responses a test suite never saw. A status counts for
// itself when documented, else for its range (4XX), else for default. The spec here is a
// fixture, testdata/coverage.yaml: connectChannel documents 200, 401, 404, 4XX and default;
// deleteChannel documents 204 and 404.
func ExampleCoverage() {
	data, err := os.ReadFile("testdata/coverage.yaml")
	if err != nil {
		panic(err)
	}
	doc, err := openapi.Parse("coverage.yaml", data)
	if err != nil {
		panic(err)
	}
	v, err := contracttest.NewForSpec(doc)
	if err != nil {
		panic(err)
	}
	cov, err := contracttest.NewCoverage(v)
	if err != nil {
		panic(err)
	}
	cov.Record("connectChannel", 200)
	cov.Record("connectChannel", 401)
	cov.Record("connectChannel", 422) // not documented itself: counts for "4XX"
	cov.Record("connectChannel", 503) // counts for "default"
	cov.Record("deleteChannel", 500)  // no range, no default: counts for nothing
	fmt.Println(strings.Join(cov.Missing(), "\n"))
	// Output:
	// connectChannel 404
	// deleteChannel 204
	// deleteChannel 404
}

// A failed case's request, as a shell command that sends it again: the Secret Key is left to
// the shell, and every argument is single-quoted.
func ExampleSentRequest_Curl() {
	q := &contracttest.SentRequest{
		Method:       http.MethodPost,
		Path:         "/v1/channels/019E4C54B1B375A28970B605CA9B03C3/connect",
		Header:       http.Header{"Content-Type": {"application/json"}},
		Body:         `{"code":"it's"}`,
		UseSecretKey: true,
	}
	fmt.Println(q.Curl("http://localhost:8080"))
	// Output:
	// curl -sS -i -g --path-as-is -X 'POST' 'http://localhost:8080/v1/channels/019E4C54B1B375A28970B605CA9B03C3/connect' -H 'Content-Type: application/json' -H 'Authorization: Bearer '"$HUBMESSAGE_SECRET_KEY" --data-binary '{"code":"it'\''s"}'
}
