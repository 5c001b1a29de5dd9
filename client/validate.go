package client

import (
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hubmessage/hubmessage-go/gen"
)

// validate checks a call's params and body (see call) against the spec's rules, finding body
// properties by the names json.Marshal writes. It reports every problem, each naming its
// field, never a value: it may be a secret (a code, or a key passed in the wrong place).
func validate(rules *gen.OperationRules, params map[string]string, body any) error {
	var errs validationErrors
	add := func(err *ValidationError) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	given := 0
	for _, r := range rules.Params {
		v, ok := params[r.Name]
		switch {
		case ok:
			given++
			add(checkParam(r, v))
		case r.Required:
			add(problem(r, "is required"))
		}
	}
	if given < len(params) { // a misspelt name: the value would go unchecked
		for _, name := range slices.Sorted(maps.Keys(params)) {
			if !slices.ContainsFunc(rules.Params, func(r gen.Rule) bool { return r.Name == name }) {
				add(&ValidationError{Field: name, Problem: "is not a parameter of " + rules.OperationID})
			}
		}
	}
	v := reflect.ValueOf(body)
	for v.Kind() == reflect.Pointer && !v.IsNil() {
		v = v.Elem()
	}
	switch {
	case rules.Body == nil && body != nil:
		add(&ValidationError{Field: "request body", Problem: rules.OperationID + " takes none"})
	case rules.Body == nil:
	case body == nil && rules.Body.Required:
		add(&ValidationError{Field: "request body", Problem: "is required"})
	case body == nil:
	case v.Kind() != reflect.Struct:
		add(&ValidationError{Field: "request body", Problem: fmt.Sprintf("must be one of gen's body types, not %T", body)})
	default:
		for _, r := range rules.Body.Properties {
			add(checkProperty(r, v))
		}
	}
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	return errs
}

// jsonField returns the field of struct v that json.Marshal writes as property name, and
// whether it writes it (not when the field is empty and tagged omitempty). gen tags every
// field of its body types, and embeds none.
func jsonField(v reflect.Value, name string) (reflect.Value, bool) {
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if tag, opts, _ := strings.Cut(f.Tag.Get("json"), ","); f.IsExported() && tag == name {
			omitEmpty := slices.Contains(strings.Split(opts, ","), "omitempty")
			return v.Field(i), !(omitEmpty && v.Field(i).IsZero())
		}
	}
	return reflect.Value{}, false
}

// validParam reports whether params value v of the operation meets its rule.
func validParam(rules *gen.OperationRules, name, v string) bool {
	i := slices.IndexFunc(rules.Params, func(r gen.Rule) bool { return r.Name == name })
	return i >= 0 && checkParam(rules.Params[i], v) == nil
}

// checkParam checks a parameter's URL text.
func checkParam(r gen.Rule, v string) *ValidationError {
	if r.In == "path" && v == "" {
		return problem(r, "must not be empty")
	}
	switch r.Type {
	case "string":
		return checkString(r, v)
	case "integer":
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return problem(r, "must be an integer")
		}
		return checkInteger(r, n)
	case "number":
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			return problem(r, "must be a number")
		}
	case "boolean":
		if v != "true" && v != "false" {
			return problem(r, "must be true or false")
		}
	}
	return nil
}

// checkProperty checks the body property r names in struct v, as json.Marshal would write it:
// absent when its field is missing, or empty and tagged omitempty; null when a nil pointer.
func checkProperty(r gen.Rule, v reflect.Value) *ValidationError {
	v, present := jsonField(v, r.Name)
	for (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) && !v.IsNil() {
		v = v.Elem() // a pointer or interface left after this is nil: JSON null
	}
	switch k, null := v.Kind(), v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface; {
	case !present && r.Required:
		return problem(r, "is required")
	case !present, null && r.Nullable:
	case null:
		return problem(r, "must not be null")
	case r.Type == "string" && k == reflect.String:
		return checkString(r, v.String())
	case r.Type == "integer" && v.CanInt():
		return checkInteger(r, v.Int())
	case r.Type == "integer" && v.CanUint() && v.Uint() <= math.MaxInt64:
		return checkInteger(r, int64(v.Uint()))
	case r.Type == "number" && v.CanFloat():
		if math.IsNaN(v.Float()) || math.IsInf(v.Float(), 0) {
			return problem(r, "must be a finite number")
		}
	case r.Type == "number" && (v.CanInt() || v.CanUint()):
	case r.Type == "boolean" && k == reflect.Bool:
	default:
		return problem(r, "must be a %s, have a Go %s", r.Type, k)
	}
	return nil
}

func checkString(r gen.Rule, s string) *ValidationError {
	n := utf8.RuneCountInString(s)
	switch {
	case !utf8.ValidString(s): // json.Marshal would send U+FFFD instead
		return problem(r, "must be valid UTF-8")
	case n < r.MinLength && r.MinLength == 1:
		return problem(r, "must not be empty")
	case n < r.MinLength:
		return problem(r, "must be at least %d characters, have %d", r.MinLength, n)
	case r.MaxLength >= 0 && n > r.MaxLength:
		return problem(r, "must be at most %d characters, have %d", r.MaxLength, n)
	case r.Pattern != nil && !r.Pattern.MatchString(s):
		if r.PatternDescription != "" {
			return problem(r, "must be %s", r.PatternDescription)
		}
		return problem(r, "must match %s", r.Pattern)
	case r.Enum != nil && !slices.Contains(r.Enum, s):
		return problem(r, "must be one of %s", strings.Join(r.Enum, ", "))
	}
	return nil
}

func checkInteger(r gen.Rule, n int64) *ValidationError {
	switch lo, hi := r.Minimum, r.Maximum; {
	case lo != nil && lo.Exclusive && n <= lo.Value:
		return problem(r, "must be greater than %d", lo.Value)
	case lo != nil && n < lo.Value:
		return problem(r, "must be at least %d", lo.Value)
	case hi != nil && hi.Exclusive && n >= hi.Value:
		return problem(r, "must be less than %d", hi.Value)
	case hi != nil && n > hi.Value:
		return problem(r, "must be at most %d", hi.Value)
	case r.Enum != nil && !slices.Contains(r.Enum, strconv.FormatInt(n, 10)):
		return problem(r, "must be one of %s", strings.Join(r.Enum, ", "))
	}
	return nil
}

func problem(r gen.Rule, format string, args ...any) *ValidationError {
	return &ValidationError{Field: r.Name, Problem: fmt.Sprintf(format, args...)}
}
