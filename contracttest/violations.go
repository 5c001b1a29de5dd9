package contracttest

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// Side says which half of an exchange a [Violation] is about.
type Side string

const (
	Request  Side = "request"
	Response Side = "response"
)

// Violation is one way an exchange departs from the spec.
type Violation struct {
	Side      Side   // request or response
	Operation string // operationId, or "METHOD /path" when no operation matched
	Location  string // where: "body /wabaId", "header Authorization", "path parameter channelId", "status", "route"
	Reason    string // why, in kin-openapi's words
	Err       error  // kin-openapi's error, for errors.Is/As (e.g. routers.ErrMethodNotAllowed)
}

func (v Violation) String() string {
	return fmt.Sprintf("%s %s: %s: %s", v.Operation, v.Side, v.Location, v.Reason)
}

// Violations is the error the validator returns: every problem it found, together.
type Violations []Violation

func (vs Violations) Error() string {
	if len(vs) == 1 {
		return "contract violation: " + vs[0].String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d contract violations:", len(vs))
	for _, v := range vs {
		b.WriteString("\n  - ")
		b.WriteString(v.String())
	}
	return b.String()
}

// Unwrap returns each violation's cause, so errors.Is and errors.As see kin-openapi's errors
// (routers.ErrPathNotFound, routers.ErrMethodNotAllowed, *openapi3filter.SecurityRequirementsError).
func (vs Violations) Unwrap() []error {
	errs := make([]error, 0, len(vs))
	for _, v := range vs {
		if v.Err != nil {
			errs = append(errs, v.Err)
		}
	}
	return errs
}

// violations flattens kin-openapi's errors into Violations with a location each.
func (v *Validator) violations(side Side, op string, err error) Violations {
	var out Violations
	var walk func(err error, param *openapi3.Parameter, header string)
	walk = func(err error, param *openapi3.Parameter, header string) {
		if multi, ok := err.(openapi3.MultiError); ok {
			for _, e := range multi {
				walk(e, param, header)
			}
			return
		}
		if reqErr, ok := err.(*openapi3filter.RequestError); ok {
			if reqErr.Parameter != nil {
				param = reqErr.Parameter
			}
			if multi, ok := reqErr.Err.(openapi3.MultiError); ok {
				walk(multi, param, header)
				return
			}
		}
		if respErr, ok := err.(*openapi3filter.ResponseError); ok {
			if m := headerName.FindStringSubmatch(respErr.Reason); m != nil {
				header = m[1]
			}
			if multi, ok := respErr.Err.(openapi3.MultiError); ok {
				walk(multi, param, header)
				return
			}
		}
		if leaves := composedLeaves(err); len(leaves) > 0 {
			for _, l := range leaves {
				v := Violation{Side: side, Operation: op, Location: locate(l.err, param, header), Reason: l.note + cmp.Or(l.err.Reason, fmt.Sprintf("doesn't match schema %q", l.err.SchemaField)), Err: err}
				if !slices.ContainsFunc(out, func(o Violation) bool { return o.Location == v.Location && o.Reason == v.Reason }) {
					out = append(out, v)
				}
			}
			return
		}
		out = append(out, Violation{Side: side, Operation: op, Location: locate(err, param, header), Reason: reason(err), Err: err})
	}
	walk(err, nil, "")
	slices.SortStableFunc(out, func(a, b Violation) int { return strings.Compare(a.Location, b.Location) })
	return out
}

// leaf is an innermost schema error under an allOf or oneOf failure.
type leaf struct {
	err  *openapi3.SchemaError
	note string // prefix of its reason: which oneOf alternative it comes from
}

// composedLeaves are the innermost errors of err's schema error when it is an allOf or oneOf
// failure, whose own reason ("doesn't match all schemas from allOf") names no property: every
// failing allOf part's errors, and the errors of the oneOf alternative that came closest (the
// one failing deepest in the value). It is nil for any other error.
func composedLeaves(err error) []leaf {
	var se *openapi3.SchemaError
	if !errors.As(err, &se) || (se.SchemaField != "allOf" && se.SchemaField != "oneOf") {
		return nil
	}
	var subs openapi3.MultiError
	if se.Origin == nil || !errors.As(se.Origin, &subs) {
		return nil // e.g. a value matching more than one oneOf alternative: its reason says so
	}
	return leavesOf(se, subs)
}

func leavesOf(se *openapi3.SchemaError, subs openapi3.MultiError) []leaf {
	expand := func(err error) []leaf {
		multi, ok := err.(openapi3.MultiError)
		if !ok {
			multi = openapi3.MultiError{err}
		}
		var out []leaf
		for _, e := range multi {
			var inner *openapi3.SchemaError
			if ls := composedLeaves(e); len(ls) > 0 {
				out = append(out, ls...)
			} else if errors.As(e, &inner) {
				out = append(out, leaf{err: inner})
			}
		}
		return out
	}
	if se.SchemaField == "allOf" {
		var out []leaf
		for _, sub := range subs {
			out = append(out, expand(sub)...)
		}
		return out
	}
	var best []leaf
	depth := func(ls []leaf) int {
		d := -1
		for _, l := range ls {
			d = max(d, len(l.err.JSONPointer()))
		}
		return d
	}
	for _, sub := range subs {
		if ls := expand(sub); len(ls) > 0 && depth(ls) > depth(best) {
			best = ls
			for j := range best {
				best[j].note = `no "oneOf" alternative matches; the closest fails: `
			}
		}
	}
	return best
}

// headerName finds the header a kin-openapi response error is about: `response header "X" missing`.
var headerName = regexp.MustCompile(`header "([^"]+)"`)

func locate(err error, param *openapi3.Parameter, header string) string {
	if param != nil {
		return param.In + " parameter " + param.Name
	}
	if header != "" {
		return "header " + http.CanonicalHeaderKey(header)
	}
	var sec *openapi3filter.SecurityRequirementsError
	if errors.As(err, &sec) {
		return "header Authorization"
	}
	var respErr *openapi3filter.ResponseError
	if errors.As(err, &respErr) && respErr.Reason == "status is not supported" {
		return "status"
	}
	var schemaErr *openapi3.SchemaError
	if errors.As(err, &schemaErr) {
		return "body " + pointer(schemaErr.JSONPointer())
	}
	msg := strings.ToLower(err.Error())
	switch {
	case strings.Contains(msg, "status code"), strings.Contains(msg, "status is not supported"):
		return "status"
	case strings.Contains(msg, "content type"), strings.Contains(msg, "content-type"):
		return "header Content-Type"
	case strings.Contains(msg, "response header"):
		return "header"
	}
	return "body"
}

func reason(err error) string {
	var schemaErr *openapi3.SchemaError
	if errors.As(err, &schemaErr) {
		return schemaErr.Reason
	}
	var sec *openapi3filter.SecurityRequirementsError
	if errors.As(err, &sec) {
		var parts []string
		for _, e := range sec.Errors {
			parts = append(parts, e.Error())
		}
		return strings.Join(parts, "; ")
	}
	var respErr *openapi3filter.ResponseError
	if errors.As(err, &respErr) {
		if respErr.Reason == "status is not supported" && respErr.Input != nil {
			return fmt.Sprintf("status %d is not documented and there is no default response", respErr.Input.Status)
		}
		return joinReason(respErr.Reason, respErr.Err)
	}
	var reqErr *openapi3filter.RequestError
	if errors.As(err, &reqErr) {
		if reqErr.RequestBody != nil && errors.Is(reqErr.Err, openapi3filter.ErrInvalidRequired) {
			return "the request body is required but empty"
		}
		return joinReason(reqErr.Reason, reqErr.Err)
	}
	return err.Error()
}

// joinReason is kin-openapi's error text without its "request body has an error" preamble.
func joinReason(reason string, err error) string {
	switch {
	case err == nil:
		return reason
	case reason == "":
		return err.Error()
	}
	return reason + ": " + err.Error()
}

// pointer is the JSON pointer (RFC 6901) of tokens; "/" for none.
func pointer(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteString("/" + pointerEscaper.Replace(t))
	}
	return cmp.Or(b.String(), "/")
}

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")
