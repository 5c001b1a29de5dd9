package contracttest

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/hubmessage/hubmessage-go/openapi"
)

// Validator checks HTTP requests and responses against the OpenAPI spec. It is built once and
// is safe for concurrent use by multiple goroutines.
type Validator struct {
	doc     *openapi3.T
	router  *router
	options openapi3filter.Options
	token   []byte // expected bearer token; nil accepts any well-formed one
}

// Option configures a [Validator].
type Option func(*Validator) error

// WithSecretKey makes the validator accept only this bearer token (compared in constant time).
// Without it any well-formed `Authorization: Bearer <token>` satisfies the spec's security.
func WithSecretKey(key string) Option {
	return func(v *Validator) error {
		if key == "" {
			return errors.New("contracttest: WithSecretKey: key is empty")
		}
		v.token = []byte(key)
		return nil
	}
}

// embedded is the spec embedded in package openapi and its router, built once and shared by
// every Validator [New] returns; what Transport, Middleware and Coverage use when given none.
var embedded = sync.OnceValues(func() (*Validator, error) {
	doc, err := openapi.Spec()
	if err != nil {
		return nil, err
	}
	return NewForSpec(doc)
})

// New returns a Validator for the spec embedded in package openapi. What it compiles from the
// spec is shared by every Validator New returns, so one per test or per Secret Key costs
// little.
func New(opts ...Option) (*Validator, error) {
	v, err := embedded()
	if err != nil {
		return nil, err
	}
	return v.with(opts)
}

// MustNew is [New] for tests: it stops the test with tb.Fatalf if the validator cannot be built.
func MustNew(tb TB, opts ...Option) *Validator {
	tb.Helper()
	v, err := New(opts...)
	if err != nil {
		tb.Fatalf("contracttest: %v", err)
	}
	return v
}

// Spec returns the document the validator checks against; treat it as read-only.
func (v *Validator) Spec() *openapi3.T { return v.doc }

// NewForSpec returns a Validator for doc, which it validates and routes (a millisecond or so
// for a small spec: build one per document, not per request). Routes match on path alone,
// whatever host the spec's servers name, so the validator works against test servers. doc is
// treated as read-only: do not change it after passing it here.
func NewForSpec(doc *openapi3.T, opts ...Option) (*Validator, error) {
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("contracttest: invalid spec: %w", err)
	}
	rt, err := newRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("contracttest: build router: %w", err)
	}
	return (&Validator{doc: doc, router: rt}).with(opts)
}

// with is a copy of v, sharing its document and router, with opts applied.
func (v *Validator) with(opts []Option) (*Validator, error) {
	c := &Validator{doc: v.doc, router: v.router}
	for _, opt := range opts {
		if err := opt(c); err != nil {
			return nil, err
		}
	}
	c.options = openapi3filter.Options{
		IncludeResponseStatus: true,
		MultiError:            true,
		SkipSettingDefaults:   true,
		KeepValidatedValue:    true, // the handler binds what was validated (oapi-codegen's runtime.BindJSONBody)
		AuthenticationFunc:    c.authenticate,
	}
	return c, nil
}

// authenticate implements the spec's http bearer scheme.
func (v *Validator) authenticate(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	scheme := in.SecurityScheme
	if scheme == nil || scheme.Type != "http" || !strings.EqualFold(scheme.Scheme, "bearer") {
		return fmt.Errorf("unsupported security scheme %q", in.SecuritySchemeName)
	}
	h := in.RequestValidationInput.Request.Header.Get("Authorization")
	if h == "" {
		return errors.New("header Authorization is missing")
	}
	prefix, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(prefix, "Bearer") || token == "" || strings.ContainsAny(token, " \t") {
		return errors.New("header Authorization is not of the form \"Bearer <token>\"")
	}
	if v.token != nil && subtle.ConstantTimeCompare([]byte(token), v.token) != 1 {
		return errors.New("bearer token does not match")
	}
	return nil
}

// ValidateRequest checks r against the spec: route, parameters, security and body. A JSON
// body must also read the same to kin-openapi as to encoding/json, which Go handlers decode
// with: no duplicate key, no key that is a declared property's name in another case, no
// invalid UTF-8 or lone surrogate escape in a string, nothing after the value. It never
// changes r: kin-openapi sees a copy, defaults are not injected, and r's body is read and
// replaced by an unread copy of the same bytes, so r is as it was for the next handler.
func (v *Validator) ValidateRequest(r *http.Request) (*Route, error) {
	route, err := v.FindRoute(r)
	if err != nil {
		return nil, err
	}
	body, err := peekBody(r)
	if err != nil {
		return route, Violations{{Side: Request, Operation: route.OperationID(), Location: "body", Reason: err.Error(), Err: err}}
	}
	_, err = v.checkRequest(route, r, body)
	return route, err
}

// checkRequest checks r, whose body is body, on its route: kin-openapi's verdict, then, for
// a JSON body it accepted, checkJSONBody's. It returns the body as kin-openapi leaves it: the
// same bytes, with the decoded value it validated (ValidatedValue, which oapi-codegen's
// runtime.BindJSONBody binds), so a handler acts on exactly what was checked.
func (v *Validator) checkRequest(route *Route, r *http.Request, body []byte) (io.ReadCloser, error) {
	in := *route.req // kin-openapi sets Body, GetBody and ContentLength on the request it validates
	in.GetBody, in.Body = nil, http.NoBody
	if body != nil {
		in.Body = io.NopCloser(bytes.NewReader(body))
	}
	if err := openapi3filter.ValidateRequest(r.Context(), v.requestInput(&in, route)); err != nil {
		return nil, v.violations(Request, route.OperationID(), err)
	}
	if vs := checkJSONBody(route, r.Header, body, in.Body); len(vs) > 0 {
		return nil, vs
	}
	return in.Body, nil
}

// ValidateResponse checks a response to r: the status must be documented, and the content
// type and body must match what the spec says for it.
func (v *Validator) ValidateResponse(r *http.Request, status int, header http.Header, body []byte) error {
	route, err := v.FindRoute(r)
	if err != nil {
		return err
	}
	return v.ValidateResponseFor(route, r, status, header, body)
}

// ValidateResponseFor is ValidateResponse when the route is already known.
func (v *Validator) ValidateResponseFor(route *Route, r *http.Request, status int, header http.Header, body []byte) error {
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: v.requestInput(r, route),
		Status:                 status,
		Header:                 header,
		Options:                &v.options,
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(r.Context(), in); err != nil {
		return v.violations(Response, route.OperationID(), err)
	}
	return nil
}

func (v *Validator) requestInput(r *http.Request, route *Route) *openapi3filter.RequestValidationInput {
	return &openapi3filter.RequestValidationInput{
		Request:    r,
		PathParams: route.PathParams(),
		Route:      route.op.route,
		Options:    &v.options,
	}
}

// peekBody reads r's body and replaces it with an unread copy.
func peekBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	body, err := io.ReadAll(r.Body)
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	return body, nil
}

// Format prints a Validator without its Secret Key, whatever the verb: fmt would otherwise
// show the key's bytes for %v, %+v and %#v.
func (v *Validator) Format(f fmt.State, verb rune) {
	title, key := "", "none"
	if v != nil && v.doc != nil && v.doc.Info != nil {
		title = v.doc.Info.Title
	}
	if v != nil && v.token != nil {
		key = "[REDACTED]"
	}
	fmt.Fprintf(f, "contracttest.Validator{spec: %q, secretKey: %s}", title, key)
}

// ValidateExchange checks one request/response pair held in memory: the route, the request
// with reqBody as its body (r.Body is not read), and the response. It reports the problems of
// both sides together.
func (v *Validator) ValidateExchange(r *http.Request, reqBody []byte, status int, header http.Header, respBody []byte) error {
	route, err := v.FindRoute(r)
	if err != nil {
		return err
	}
	_, reqErr := v.checkRequest(route, r, reqBody)
	respErr := v.ValidateResponseFor(route, r, status, header, respBody)
	if reqErr == nil && respErr == nil {
		return nil
	}
	var all Violations
	for _, e := range []error{reqErr, respErr} {
		var vs Violations
		if errors.As(e, &vs) {
			all = append(all, vs...)
		}
	}
	return all
}
