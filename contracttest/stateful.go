package contracttest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

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
		if ref.op.Responses == nil {
			continue
		}
		for _, status := range slices.Sorted(maps.Keys(ref.op.Responses.Map())) {
			resp := ref.op.Responses.Value(status)
			if !strings.HasPrefix(status, "2") || resp == nil || resp.Value == nil {
				continue
			}
			src := source{opRef: ref, status: status}
			seen := map[string]bool{}
			for _, name := range slices.Sorted(maps.Keys(resp.Value.Links)) {
				l := resp.Value.Links[name]
				if l == nil || l.Value == nil || seen[l.Value.OperationID] {
					continue
				}
				to, ok := byID[l.Value.OperationID]
				if !ok {
					continue
				}
				exprs := map[string]string{}
				fromBody := false
				for p, v := range l.Value.Parameters {
					s, _ := v.(string)
					if _, bare, ok := strings.Cut(p, "."); ok && (strings.HasPrefix(p, "path.") || strings.HasPrefix(p, "query.")) {
						p = bare
					}
					exprs[p] = s
					fromBody = fromBody || strings.HasPrefix(s, "$response.body#")
				}
				if fromBody {
					seen[to.id] = true
					src.targets = append(src.targets, target{to, exprs})
				}
			}
			if len(src.targets) > 0 {
				out = append(out, src)
				break // one linking status per operation
			}
		}
	}
	return out
}

// linksTo reports whether op's 2xx responses link to the operation with id.
func linksTo(op *openapi3.Operation, id string) bool {
	if op.Responses == nil {
		return false
	}
	for status, resp := range op.Responses.Map() {
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

// documents reports whether op documents status.
func documents(op *openapi3.Operation, status string) bool {
	return op.Responses != nil && op.Responses.Value(status) != nil
}

// stateful runs the link chains. It is used by one goroutine.
type stateful struct {
	r        *runner
	rec      *bodyRecorder
	values   map[string]string
	codes    CodeSource
	codeName string // the value codes fills
}

// runStateful follows the links of v's spec against the server r talks to: for each operation
// whose 2xx response links with `$response.body#/…` parameters, and each of its valid request
// bodies, it runs the operation, takes the linked values from the body, calls each linked
// operation with them (non-DELETE first, an operation after the ones that link to it, DELETE
// last), checks the lifecycle rules, then that every linked operation answers 404 once the
// DELETE succeeded, and deletes what it created when a step failed.
func runStateful(ctx context.Context, r *runner, opts VerifyOptions) []Result {
	rec := &bodyRecorder{next: http.DefaultTransport}
	client := *r.client
	if client.Transport != nil {
		rec.next = client.Transport
	}
	client.Transport = rec
	rr := *r
	rr.client = &client
	rr.secrets = slices.Clip(r.secrets) // the codes this run sends join them, not r's
	s := &stateful{r: &rr, rec: rec, values: opts.Cases.Values, codes: opts.CodeSource, codeName: opts.codeName()}
	var out []Result
	for _, src := range linkSources(r.v.Spec()) {
		g, err := s.gen(src.opRef, nil)
		if err != nil {
			out = append(out, Result{Case: CheckEnsureResourceAvailability + "/" + src.id, Check: CheckEnsureResourceAvailability,
				Operation: src.op.OperationID, Method: src.method, Path: src.path, Failures: []Failure{{CheckEnsureResourceAvailability, err.Error()}}})
			continue
		}
		for _, c := range g.positive() {
			detail := strings.TrimPrefix(c.Name, CheckPositiveDataAcceptance+"/"+g.id+"/")
			out = append(out, s.chain(ctx, src, c, detail)...)
			if ctx.Err() != nil {
				return out
			}
		}
	}
	return out
}

// gen is the case generator of op with the run's values and extra ones.
func (s *stateful) gen(op opRef, extra map[string]string) (*opGen, error) {
	vals := maps.Clone(s.values)
	if vals == nil {
		vals = map[string]string{}
	}
	maps.Copy(vals, extra)
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
		if g, err = s.gen(t.opRef, withValues(vals, map[string]string{s.codeName: st.code})); err != nil {
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

// withValues returns a with b's values added.
func withValues(a, b map[string]string) map[string]string {
	m := maps.Clone(a)
	maps.Copy(m, b)
	return m
}

// anyStatus lets run's own status check pass, for checks that judge the status themselves.
var anyStatus = []string{"1XX", "2XX", "3XX", "4XX", "5XX"}

// exec runs c under name and check, wanting want (nil: anything but 404), and returns its
// Result and the response body.
func (s *stateful) exec(ctx context.Context, c Case, name, check string, want []string) (Result, []byte) {
	c.Name, c.Check, c.Want = name, check, want
	if want == nil {
		c.Want = anyStatus
	}
	res := Result{Case: name, Check: check, Operation: c.Operation, Method: c.Method, Path: s.r.redact(c.Path)}
	start := time.Now()
	s.rec.body.Reset()
	res.Status, res.Failures = s.r.run(ctx, c)
	res.Duration = time.Since(start)
	res.Request = s.r.sent(c) // the writers build a failure's curl line from it
	if want == nil && res.Status == http.StatusNotFound {
		res.Failures = append([]Failure{{check, "404: the resource the linked operation created is not found"}}, res.Failures...)
	}
	return res, bytes.Clone(s.rec.body.Bytes())
}

func ok2xx(status int) bool { return status/100 == 2 }

// chain runs one source request and everything its links lead to.
func (s *stateful) chain(ctx context.Context, src source, c Case, detail string) []Result {
	chainName := src.id + "/" + detail
	var out []Result
	res, body := s.exec(ctx, c, CheckEnsureResourceAvailability+"/"+chainName, CheckEnsureResourceAvailability, []string{src.status})
	if !statusMatches(res.Status, []string{src.status}) {
		return append(out, res)
	}
	// The values the links give, by target.
	vals := map[string]map[string]string{}
	var ids []string // "channelId=…", for the report
	unresolved := false
	for _, t := range src.targets {
		vals[t.id] = map[string]string{}
		for _, name := range slices.Sorted(maps.Keys(t.exprs)) {
			expr := t.exprs[name]
			v, err := resolve(expr, body)
			if err != nil {
				unresolved = true
				res.Failures = append(res.Failures, Failure{CheckEnsureResourceAvailability, fmt.Sprintf("link to %s: %s: %v", t.id, expr, err)})
				continue
			}
			vals[t.id][name] = v
			if id := name + "=" + v; !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	out = append(out, res)
	if unresolved { // a response that breaks its schema may still give the values: go on then
		return append(out, leftBehind(src, chainName, ids, "the response did not give every linked value"))
	}

	var others, deletes []target
	for _, t := range src.targets {
		if t.method == http.MethodDelete {
			deletes = append(deletes, t)
		} else {
			others = append(others, t)
		}
	}
	// An operation after those that link to it (connect before disconnect).
	rank := func(t target) int {
		if slices.ContainsFunc(others, func(o target) bool { return o.id != t.id && linksTo(o.op, t.id) }) {
			return 1
		}
		return 0
	}
	slices.SortStableFunc(others, func(a, b target) int { return rank(a) - rank(b) })

	name := func(check string, t target, extra string) string {
		n := check + "/" + t.id + "/" + chainName
		if extra != "" {
			n += "/" + extra
		}
		return n
	}
	run := func(check string, t target, extra, reuse string, want []string) (Result, step, bool) {
		st, err := s.request(ctx, t, vals[t.id], reuse)
		if err != nil {
			r := Result{Case: name(check, t, extra), Check: check, Operation: t.op.OperationID, Method: t.method, Path: t.path,
				Failures: []Failure{{check, s.r.redact(err.Error())}}}
			out = append(out, r)
			return r, st, false
		}
		r, _ := s.exec(ctx, st.c, name(check, t, extra), check, want)
		out = append(out, r)
		return r, st, true
	}

	open := map[string]step{} // operations that answered 2xx and whose linked follow-ups have not run since
	deleted, triedDeleteWhileLinked := false, false
	for _, t := range others {
		r, st, sent := run(CheckEnsureResourceAvailability, t, "", "", nil)
		if !sent || !ok2xx(r.Status) {
			continue
		}
		// t closes what an earlier operation opened (disconnect after connect); then a used
		// single-use value must be refused when sent again.
		for _, id := range slices.Sorted(maps.Keys(open)) {
			x := open[id]
			if !linksTo(x.t.op, t.id) {
				continue
			}
			delete(open, id)
			if x.code == "" {
				continue
			}
			want := []string{"4XX"}
			if documents(x.t.op, "422") {
				want = []string{"422"}
			}
			if rr, again, sent := run(CheckSingleUseValueReuse, x.t, "", x.code, want); sent && ok2xx(rr.Status) {
				open[id] = again // it connected again: the follow-ups must run before the DELETE
			}
		}
		if slices.ContainsFunc(others, func(o target) bool { return o.id != t.id && linksTo(t.op, o.id) }) {
			open[t.id] = st
			// While t's follow-ups are pending, the DELETE must be refused.
			for _, d := range deletes {
				if triedDeleteWhileLinked || !documents(d.op, "422") {
					continue
				}
				triedDeleteWhileLinked = true
				if dr, _, sent := run(CheckDeleteWhileLinked, d, "after/"+t.id, "", []string{"422"}); sent && ok2xx(dr.Status) {
					deleted = true
				}
			}
		}
		if deleted {
			break
		}
	}
	// Undo what is still open, so that the DELETE can succeed.
	s.closeOpen(ctx, open, others, vals)
	for _, d := range deletes {
		if deleted {
			break
		}
		r, _, sent := run(CheckEnsureResourceAvailability, d, "", "", nil)
		deleted = sent && ok2xx(r.Status)
	}
	if len(deletes) == 0 {
		return append(out, leftBehind(src, chainName, ids, "the spec links to no DELETE"))
	}
	all := append(slices.Clone(others), deletes...)
	for _, t := range all {
		if !deleted {
			out = append(out, Result{Case: name(CheckUseAfterFree, t, ""), Check: CheckUseAfterFree, Operation: t.op.OperationID,
				Method: t.method, Path: t.path, Skipped: "the linked DELETE did not succeed"})
			continue
		}
		run(CheckUseAfterFree, t, "", "", []string{"404"})
	}
	if !deleted {
		// One more try after everything else, then say what is left.
		s.closeOpen(ctx, open, others, vals)
		for _, d := range deletes {
			if st, err := s.request(ctx, d, vals[d.id], ""); err == nil {
				if r, _ := s.exec(context.WithoutCancel(ctx), st.c, name(CheckCleanup, d, ""), CheckCleanup, nil); ok2xx(r.Status) {
					deleted = true
				}
			}
		}
		if !deleted {
			out = append(out, leftBehind(src, chainName, ids, "the linked DELETE did not succeed"))
		}
	}
	return out
}

// closeOpen runs the follow-ups of every open operation, quietly: this is cleanup.
func (s *stateful) closeOpen(ctx context.Context, open map[string]step, others []target, vals map[string]map[string]string) {
	for _, id := range slices.Sorted(maps.Keys(open)) {
		x := open[id]
		for _, t := range others {
			if t.id == id || !linksTo(x.t.op, t.id) {
				continue
			}
			if st, err := s.request(ctx, t, vals[t.id], ""); err == nil {
				s.exec(context.WithoutCancel(ctx), st.c, "", CheckCleanup, nil)
			}
		}
		delete(open, id)
	}
}

// leftBehind is the failed cleanup Result naming what the run created and could not delete.
func leftBehind(src source, chain string, ids []string, why string) Result {
	return Result{Case: CheckCleanup + "/" + chain, Check: CheckCleanup, Operation: src.op.OperationID, Method: src.method, Path: src.path,
		Failures: []Failure{{CheckCleanup, fmt.Sprintf("left behind on the server (%s): %s %s with %s; delete it by hand",
			why, src.method, src.path, strings.Join(ids, ", "))}}}
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
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return "", errors.New("response body is not JSON")
	}
	if ptr != "" {
		for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
			tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
			switch x := v.(type) {
			case map[string]any:
				var ok bool
				if v, ok = x[tok]; !ok {
					return "", fmt.Errorf("response body has no %s", ptr)
				}
			case []any:
				i, err := strconv.Atoi(tok)
				if err != nil || i < 0 || i >= len(x) {
					return "", fmt.Errorf("response body has no %s", ptr)
				}
				v = x[i]
			default:
				return "", fmt.Errorf("response body has no %s", ptr)
			}
		}
	}
	switch x := v.(type) {
	case string:
		return x, nil
	case float64, bool:
		return fmt.Sprint(x), nil
	}
	return "", fmt.Errorf("response body's %s is not a string, number or boolean", ptr)
}

// bodyRecorder keeps a copy of the last response body its client read.
type bodyRecorder struct {
	next http.RoundTripper
	body bytes.Buffer
}

func (b *bodyRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := b.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.TeeReader(resp.Body, &b.body), resp.Body}
	return resp, nil
}

// statefulResults is Verify's stateful part: skipped without a Secret Key.
func statefulResults(ctx context.Context, r *runner, opts VerifyOptions) []Result {
	if opts.SecretKey == "" {
		var out []Result
		for _, src := range linkSources(r.v.Spec()) {
			out = append(out, Result{Case: CheckEnsureResourceAvailability + "/" + src.id, Check: CheckEnsureResourceAvailability,
				Operation: src.op.OperationID, Method: src.method, Path: src.path, Skipped: "needs the Secret Key ($" + secretkey.EnvVar + ")"})
		}
		return out
	}
	return runStateful(ctx, r, opts)
}
