package contracttest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-openapi/jsonpointer"

	"github.com/hubmessage/hubmessage-go/internal/secretkey"
)

// Stateful check names. The first two are Schemathesis's; the others are lifecycle rules
// derived from the spec's links and documented statuses.
const (
	CheckEnsureResourceAvailability = "ensure_resource_availability" // a created resource is usable at once by the linked operations (not 404)
	CheckUseAfterFree               = "use_after_free"               // after the linked DELETE succeeded, every linked operation answers 404
	CheckDeleteWhileLinked          = "delete_while_linked"          // a DELETE between an operation and the ones its response links to (connect → disconnect) is refused
	CheckSingleUseValueReuse        = "single_use_value_reuse"       // a request repeated with the same CodeSource value (a used code) is refused
	CheckCleanup                    = "cleanup"                      // what the stateful run created was deleted again
)

// CodeSource returns a single-use value (such as an OAuth authorization code) for one
// request. Stateful verification calls it once for every request whose operation has a path
// or query parameter or top-level body property named [VerifyOptions.CodeName]; without a
// CodeSource such requests carry the spec's example value. For a live API use [FixedCode]
// with a value obtained for this run (a fresh one each run is the caller's job); a test
// server that issues values can have a CodeSource that asks it for each.
type CodeSource func(ctx context.Context) (string, error)

// FixedCode is a CodeSource that returns code every time.
func FixedCode(code string) CodeSource {
	return func(context.Context) (string, error) { return code, nil }
}

// source is an operation whose 2xx response links to operations with values from its body.
type source struct {
	opRef
	status  string
	targets []target
}

// target is a linked operation and the values the link gives its parameters.
type target struct {
	opRef
	exprs map[string]string // parameter name -> runtime expression
}

// linkSources reads the spec's links: every operation whose 2xx response has a link with a
// `$response.body#/…` parameter, and the operations those links name.
func linkSources(doc *openapi3.T) []source {
	all := slices.Concat(operationsOf(doc)...)
	byID := map[string]opRef{}
	for _, ref := range all {
		if ref.op.OperationID != "" {
			byID[ref.id] = ref
		}
	}
	var out []source
	for _, ref := range all {
		if src, ok := linkSource(ref, byID); ok {
			out = append(out, src)
		}
	}
	return out
}

// linkSource is ref as a source: its first 2xx status whose links give an operation values
// from the response body, with those operations.
func linkSource(ref opRef, byID map[string]opRef) (source, bool) {
	if ref.op.Responses == nil {
		return source{}, false
	}
	for _, status := range slices.Sorted(maps.Keys(ref.op.Responses.Map())) {
		resp := ref.op.Responses.Value(status)
		if !strings.HasPrefix(status, "2") || resp == nil || resp.Value == nil {
			continue
		}
		src := source{opRef: ref, status: status}
		for _, name := range slices.Sorted(maps.Keys(resp.Value.Links)) {
			l := resp.Value.Links[name]
			if l == nil || l.Value == nil {
				continue
			}
			to, ok := byID[l.Value.OperationID]
			exprs, fromBody := linkParams(l.Value)
			if ok && fromBody && !slices.ContainsFunc(src.targets, func(t target) bool { return t.id == to.id }) {
				src.targets = append(src.targets, target{to, exprs})
			}
		}
		if len(src.targets) > 0 {
			return src, true // one linking status per operation
		}
	}
	return source{}, false
}

// linkParams are a link's parameter expressions by bare name ("path.ref" is "ref"), and
// whether one takes a value from the response body.
func linkParams(l *openapi3.Link) (map[string]string, bool) {
	exprs := map[string]string{}
	fromBody := false
	for p, v := range l.Parameters {
		s, _ := v.(string)
		if _, bare, ok := strings.Cut(p, "."); ok && (strings.HasPrefix(p, "path.") || strings.HasPrefix(p, "query.")) {
			p = bare
		}
		exprs[p] = s
		fromBody = fromBody || strings.HasPrefix(s, "$response.body#")
	}
	return exprs, fromBody
}

// linksTo reports whether op's 2xx responses link to the operation with id.
func linksTo(op *openapi3.Operation, id string) bool {
	for status, resp := range op.Responses.Map() { // Map is empty for nil Responses
		if !strings.HasPrefix(status, "2") || resp.Value == nil {
			continue
		}
		for _, l := range resp.Value.Links {
			if l != nil && l.Value != nil && l.Value.OperationID == id {
				return true
			}
		}
	}
	return false
}

// links reports whether from's 2xx responses link to another operation, to.
func links(from, to target) bool { return from.id != to.id && linksTo(from.op, to.id) }

// documents reports whether op documents status.
func documents(op *openapi3.Operation, status string) bool {
	return op.Responses != nil && op.Responses.Value(status) != nil
}

// resolve evaluates a link's runtime expression against the response body. Only
// `$response.body#/pointer` is supported; a constant (no leading $) is itself.
func resolve(expr string, body []byte) (string, error) {
	if !strings.HasPrefix(expr, "$") {
		return expr, nil
	}
	ptr, ok := strings.CutPrefix(expr, "$response.body#")
	if !ok {
		return "", errors.New("only $response.body#/… expressions are supported")
	}
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", errors.New("response body is not JSON")
	}
	p, err := jsonpointer.New(ptr)
	if err != nil {
		return "", fmt.Errorf("%q is not a JSON pointer", ptr)
	}
	v, _, err := p.Get(doc)
	if err != nil {
		return "", fmt.Errorf("response body has no %s", ptr)
	}
	switch x := v.(type) {
	case string:
		return x, nil
	case float64, bool:
		return fmt.Sprint(x), nil
	}
	return "", fmt.Errorf("response body's %s is not a string, number or boolean", ptr)
}

// stateful runs the link chains. It is used by one goroutine.
type stateful struct {
	r        *runner
	values   map[string]string
	codes    CodeSource
	codeName string // the value codes fills
}

// runStateful is Verify's stateful part: a chain per valid request of each linking operation
// (skipped without a Secret Key).
func runStateful(ctx context.Context, r *runner, opts VerifyOptions) []Result {
	var out []Result
	s := newStateful(r, opts)
	for _, src := range linkSources(r.v.Spec()) {
		res := resultOf(CheckEnsureResourceAvailability+"/"+src.id, CheckEnsureResourceAvailability, src.opRef)
		g, err := s.gen(src.opRef)
		switch {
		case opts.SecretKey == "":
			res.Skipped = "needs the Secret Key ($" + secretkey.EnvVar + ")"
		case err != nil:
			res.Failures = []Failure{{CheckEnsureResourceAvailability, err.Error()}}
		default:
			for _, c := range g.positive() {
				detail := strings.TrimPrefix(c.Name, CheckPositiveDataAcceptance+"/"+g.id+"/")
				out = append(out, s.chain(ctx, src, c, detail)...)
			}
			continue
		}
		out = append(out, res)
	}
	return out
}

// newStateful runs on a copy of r, so that the codes it sends join that copy's secrets alone.
func newStateful(r *runner, opts VerifyOptions) *stateful {
	rr := *r
	rr.secrets = slices.Clip(r.secrets)
	return &stateful{r: &rr, values: opts.Cases.Values, codes: opts.CodeSource, codeName: opts.codeName()}
}

// resultOf is the Result of a case named name, under check, for the operation o.
func resultOf(name, check string, o opRef) Result {
	return Result{Case: name, Check: check, Operation: o.op.OperationID, Method: o.method, Path: o.path}
}

// gen is the case generator of op with the run's values and those of extra added.
func (s *stateful) gen(op opRef, extra ...map[string]string) (*opGen, error) {
	vals := map[string]string{}
	maps.Copy(vals, s.values)
	for _, m := range extra {
		maps.Copy(vals, m)
	}
	return newOpGen(s.r.v.Spec(), op, vals, map[string]bool{})
}

// takesCode reports whether op has a parameter or top-level body property the CodeSource fills.
func (s *stateful) takesCode(g *opGen) bool {
	if g.schema != nil && g.schema.Properties[s.codeName] != nil {
		return true
	}
	return slices.ContainsFunc(g.params, func(p *openapi3.Parameter) bool { return p.Name == s.codeName })
}

// step is one linked operation's request within a chain.
type step struct {
	t    target
	c    Case
	code string // the CodeSource value it carries, if any
}

// request builds t's first valid request with the chain's values and, when it takes one, a
// fresh code (or reuse, when not empty).
func (s *stateful) request(ctx context.Context, t target, vals map[string]string, reuse string) (step, error) {
	g, err := s.gen(t.opRef, vals)
	if err != nil {
		return step{}, err
	}
	st := step{t: t}
	if s.codes != nil && s.takesCode(g) {
		st.code = reuse
		if st.code == "" {
			if st.code, err = s.codes(ctx); err != nil {
				return step{}, fmt.Errorf("code source: %w", err)
			}
		}
		s.r.secrets = append(s.r.secrets, st.code) // redacted from every Result from now on
		if g, err = s.gen(t.opRef, vals, map[string]string{s.codeName: st.code}); err != nil {
			return step{}, err
		}
	}
	cases := g.positive()
	if len(cases) == 0 {
		return step{}, errors.New("no valid request can be built for " + g.id)
	}
	st.c = cases[0]
	return st, nil
}

// anyStatus lets run's own status check pass, for checks that judge the status themselves.
var anyStatus = []string{"1XX", "2XX", "3XX", "4XX", "5XX"}

// exec runs c under name and check, wanting want (nil: anything but 404).
func (s *stateful) exec(ctx context.Context, c Case, name, check string, want []string) (Result, []byte) {
	c.Name, c.Check, c.Want = name, check, want
	if want == nil {
		c.Want = anyStatus
	}
	res, body := s.r.runCase(ctx, c)
	if want == nil && res.Status == http.StatusNotFound {
		res.Failures = append([]Failure{{check, "404: the resource the linked operation created is not found"}}, res.Failures...)
	}
	return res, body
}

func ok2xx(status int) bool { return status/100 == 2 }

// chainRun is one source request and what its links lead to.
type chainRun struct {
	*stateful
	src     source
	name    string                       // "<source id>/<detail>", the chain's part of its case names
	vals    map[string]map[string]string // the values the links give, by target
	ids     []string                     // "channelId=…", for the report
	others  []target                     // the linked operations but DELETE, each after those that link to it
	deletes []target
	open    map[string]step // operations that answered 2xx and whose linked follow-ups have not run since
	deleted bool
	out     []Result
}

// chain runs one source request and everything its links lead to.
func (s *stateful) chain(ctx context.Context, src source, c Case, detail string) []Result {
	ch := &chainRun{stateful: s, src: src, name: src.id + "/" + detail, open: map[string]step{}}
	res, body := s.exec(ctx, c, CheckEnsureResourceAvailability+"/"+ch.name, CheckEnsureResourceAvailability, []string{src.status})
	if !statusMatches(res.Status, []string{src.status}) {
		return []Result{res}
	}
	resolved := ch.resolveLinks(&res, body)
	ch.out = append(ch.out, res)
	if !resolved { // a response that breaks its schema may still give the values: go on then
		return append(ch.out, ch.leftBehind("the response did not give every linked value"))
	}
	ch.order()
	ch.lifecycle(ctx)
	ch.closeOpen(ctx) // so that the DELETE can succeed
	for _, d := range ch.deletes {
		if ch.deleted {
			break
		}
		r, _, sent := ch.run(ctx, CheckEnsureResourceAvailability, d, "", "", nil)
		ch.deleted = sent && ok2xx(r.Status)
	}
	if len(ch.deletes) == 0 {
		return append(ch.out, ch.leftBehind("the spec links to no DELETE"))
	}
	ch.useAfterFree(ctx)
	if !ch.deleted {
		ch.cleanup(ctx)
	}
	return ch.out
}

// resolveLinks takes the values the links give each target from the source's response body;
// one it cannot take is a failure of res. It reports whether it took them all.
func (ch *chainRun) resolveLinks(res *Result, body []byte) bool {
	ch.vals = map[string]map[string]string{}
	resolved := true
	for _, t := range ch.src.targets {
		ch.vals[t.id] = map[string]string{}
		for _, name := range slices.Sorted(maps.Keys(t.exprs)) {
			v, err := resolve(t.exprs[name], body)
			if err != nil {
				resolved = false
				res.Failures = append(res.Failures, Failure{CheckEnsureResourceAvailability, fmt.Sprintf("link to %s: %s: %v", t.id, t.exprs[name], err)})
				continue
			}
			ch.vals[t.id][name] = v
			if id := name + "=" + v; !slices.Contains(ch.ids, id) {
				ch.ids = append(ch.ids, id)
			}
		}
	}
	return resolved
}

// order puts the DELETEs apart, each other operation after those linking to it (connect first).
func (ch *chainRun) order() {
	for _, t := range ch.src.targets {
		if t.method == http.MethodDelete {
			ch.deletes = append(ch.deletes, t)
		} else {
			ch.others = append(ch.others, t)
		}
	}
	linked := func(t target) int {
		if slices.ContainsFunc(ch.others, func(o target) bool { return links(o, t) }) {
			return 1
		}
		return 0
	}
	slices.SortStableFunc(ch.others, func(a, b target) int { return linked(a) - linked(b) })
}

// caseName is "<check>/<target>/<chain>[/<detail>]".
func (ch *chainRun) caseName(check string, t target, detail string) string {
	n := check + "/" + t.id + "/" + ch.name
	if detail != "" {
		n += "/" + detail
	}
	return n
}

// run sends t's request (reuse as its single-use value, if not empty) under check and adds
// its Result; sent is false when no request could be built.
func (ch *chainRun) run(ctx context.Context, check string, t target, detail, reuse string, want []string) (r Result, st step, sent bool) {
	st, err := ch.request(ctx, t, ch.vals[t.id], reuse)
	if err != nil {
		r = resultOf(ch.caseName(check, t, detail), check, t.opRef)
		r.Failures = []Failure{{check, ch.r.redact(err.Error())}}
	} else {
		r, _ = ch.exec(ctx, st.c, ch.caseName(check, t, detail), check, want)
	}
	ch.out = append(ch.out, r)
	return r, st, err == nil
}

// lifecycle runs the linked operations but DELETE in order (ensure_resource_availability),
// then single_use_value_reuse and, once, delete_while_linked where they apply.
func (ch *chainRun) lifecycle(ctx context.Context) {
	triedDelete := false
	for _, t := range ch.others {
		r, st, sent := ch.run(ctx, CheckEnsureResourceAvailability, t, "", "", nil)
		if !sent || !ok2xx(r.Status) {
			continue
		}
		ch.closeBy(ctx, t)
		if !slices.ContainsFunc(ch.others, func(o target) bool { return links(t, o) }) {
			continue
		}
		ch.open[t.id] = st
		// While t's follow-ups are pending, the first DELETE that documents 422 must be refused.
		if i := slices.IndexFunc(ch.deletes, func(d target) bool { return documents(d.op, "422") }); i >= 0 && !triedDelete {
			triedDelete = true
			if r, _, sent := ch.run(ctx, CheckDeleteWhileLinked, ch.deletes[i], "after/"+t.id, "", []string{"422"}); sent && ok2xx(r.Status) {
				ch.deleted = true
				return
			}
		}
	}
}

// closeBy marks what t closes (disconnect after connect) as closed; then the single-use value
// the opening request used must be refused when sent again.
func (ch *chainRun) closeBy(ctx context.Context, t target) {
	for _, id := range slices.Sorted(maps.Keys(ch.open)) {
		x := ch.open[id]
		if !linksTo(x.t.op, t.id) {
			continue
		}
		delete(ch.open, id)
		if x.code == "" {
			continue
		}
		want := []string{"4XX"}
		if documents(x.t.op, "422") {
			want = []string{"422"}
		}
		if r, again, sent := ch.run(ctx, CheckSingleUseValueReuse, x.t, "", x.code, want); sent && ok2xx(r.Status) {
			ch.open[id] = again // it opened again: the follow-ups must run before the DELETE
		}
	}
}

// closeOpen runs the follow-ups of every open operation, quietly: this is cleanup.
func (ch *chainRun) closeOpen(ctx context.Context) {
	for _, id := range slices.Sorted(maps.Keys(ch.open)) {
		x := ch.open[id]
		for _, t := range ch.others {
			if t.id == id || !linksTo(x.t.op, t.id) {
				continue
			}
			ch.quietly(ctx, t, "")
		}
		delete(ch.open, id)
	}
}

// useAfterFree checks that every linked operation answers 404 once the DELETE succeeded.
func (ch *chainRun) useAfterFree(ctx context.Context) {
	for _, t := range slices.Concat(ch.others, ch.deletes) {
		if ch.deleted {
			ch.run(ctx, CheckUseAfterFree, t, "", "", []string{"404"})
			continue
		}
		r := resultOf(ch.caseName(CheckUseAfterFree, t, ""), CheckUseAfterFree, t.opRef)
		r.Skipped = "the linked DELETE did not succeed"
		ch.out = append(ch.out, r)
	}
}

// cleanup tries once more to delete what the chain created, and says what is left if it cannot.
func (ch *chainRun) cleanup(ctx context.Context) {
	ch.closeOpen(ctx)
	for _, d := range ch.deletes {
		ch.deleted = ch.quietly(ctx, d, ch.caseName(CheckCleanup, d, "")) || ch.deleted
	}
	if !ch.deleted {
		ch.out = append(ch.out, ch.leftBehind("the linked DELETE did not succeed"))
	}
}

// quietly sends t's request for cleanup, even once ctx is done, without a Result; true on 2xx.
func (ch *chainRun) quietly(ctx context.Context, t target, name string) bool {
	st, err := ch.request(ctx, t, ch.vals[t.id], "")
	if err != nil {
		return false
	}
	r, _ := ch.exec(context.WithoutCancel(ctx), st.c, name, CheckCleanup, nil)
	return ok2xx(r.Status)
}

// leftBehind is the failed cleanup Result naming what the chain created and could not delete.
func (ch *chainRun) leftBehind(why string) Result {
	r := resultOf(CheckCleanup+"/"+ch.name, CheckCleanup, ch.src.opRef)
	r.Failures = []Failure{{CheckCleanup, fmt.Sprintf("left behind on the server (%s): %s %s with %s; delete it by hand",
		why, ch.src.method, ch.src.path, strings.Join(ch.ids, ", "))}}
	return r
}
