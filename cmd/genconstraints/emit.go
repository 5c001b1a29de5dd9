package main

import (
	"bytes"
	_ "embed"
	"fmt"
	"go/format"
	"go/token"
	"slices"
	"strconv"
	"strings"
	"text/template"
)

// constraints.go.tmpl is the output: the types, Operations, each operation's rules, then the
// variables shared by operations, each component's once (a template ranges over a map in key
// order, so the output depends only on the spec).
//
//go:embed constraints.go.tmpl
var tmplText string

var tmpl = template.Must(template.New("constraints").Parse(tmplText))

// operation is one operation's input, as Go expressions that may name shared variables.
type operation struct {
	ID, Name, Method, Path string
	Params                 string // a []Rule; "" when it takes none
	Body                   string // a *BodyRules; "" when it takes none
}

// decl is a variable that holds a component's rules, shared by the operations using it.
type decl struct {
	Name, Component string // the Go name's stem, the component's name
	Param           string // a parameter's name; "" for a schema
	Literal         string // the Rule or []Rule
	Pattern         string // a parameter's pattern, quoted; "" when it has none
}

func (g *generator) emit() ([]byte, error) {
	var b bytes.Buffer
	if err := tmpl.Execute(&b, g); err != nil {
		return nil, err
	}
	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("generated source does not parse: %w", err)
	}
	return src, nil
}

// paramsLiteral writes rules as a []Rule, on one line when they are all shared variables.
func paramsLiteral(rules []string) string {
	if !slices.ContainsFunc(rules, func(p string) bool { return !token.IsIdentifier(p) }) {
		return "[]Rule{" + strings.Join(rules, ", ") + "}"
	}
	return "[]Rule{\n" + strings.Join(rules, ",\n") + ",\n}"
}

func rulesLiteral(rules []rule) string {
	var b strings.Builder
	b.WriteString("[]Rule{\n")
	for _, r := range rules {
		b.WriteString(literal(r, "") + ",\n")
	}
	b.WriteString("}")
	return b.String()
}

// literal writes r as the body of a Rule composite literal, leaving out zero fields but
// MaxLength; patternVar, if not "", names the variable holding the compiled pattern.
func literal(r rule, patternVar string) string {
	fields := []string{fmt.Sprintf("Name: %q, In: %q, Type: %q", r.name, r.in, r.typ)}
	add := func(cond bool, format string, args ...any) {
		if cond {
			fields = append(fields, fmt.Sprintf(format, args...))
		}
	}
	add(r.required, "Required: true")
	add(r.nullable, "Nullable: true")
	add(r.minLength > 0, "MinLength: %d", r.minLength)
	add(true, "MaxLength: %d", r.maxLength)
	add(patternVar != "", "Pattern: %s", patternVar)
	add(patternVar == "" && r.pattern != "", "Pattern: regexp.MustCompile(%s)", goString(r.pattern))
	add(r.patDesc != "", "PatternDescription: %q", r.patDesc)
	add(len(r.enum) > 0, "Enum: %#v", r.enum) // []string{"a", "b"}
	add(r.minimum != "", "Minimum: %s", r.minimum)
	add(r.maximum != "", "Maximum: %s", r.maximum)
	return "{" + strings.Join(fields, ", ") + "}"
}

// goString quotes s as a raw string literal when it can, which keeps regexps readable.
func goString(s string) string {
	if strconv.CanBackquote(s) {
		return "`" + s + "`"
	}
	return strconv.Quote(s)
}
