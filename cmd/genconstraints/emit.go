package main

import (
	"bytes"
	_ "embed"
	"go/format"
	"go/token"
	"slices"
	"strconv"
	"strings"
	"text/template"
)

// The template ranges over maps in key order, so the output depends only on the spec.
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
	return format.Source(b.Bytes())
}

// rulesLiteral writes rules as a []Rule, on one line when they are all shared variables.
func rulesLiteral(rules []string) string {
	if !slices.ContainsFunc(rules, func(p string) bool { return !token.IsIdentifier(p) }) {
		return "[]Rule{" + strings.Join(rules, ", ") + "}"
	}
	return "[]Rule{\n" + strings.Join(rules, ",\n") + ",\n}"
}

// goString quotes s as a raw string literal when it can, which keeps regexps readable.
func goString(s string) string {
	if strconv.CanBackquote(s) {
		return "`" + s + "`"
	}
	return strconv.Quote(s)
}
