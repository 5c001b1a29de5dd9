package contracttest

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Verdict is how a replayed exchange compares with the recorded one.
type Verdict string

// The verdicts of a [ReplayedExchange].
const (
	VerdictIdentical     Verdict = "identical"      // same status, same message on an error, same body shape
	VerdictDifferent     Verdict = "different"      // see Differences
	VerdictNotComparable Verdict = "not comparable" // not sent, see Why
)

// FidelityReport is the outcome of [Replay]: every exchange of the recording, in order.
type FidelityReport struct {
	BaseURL   string             `json:"baseUrl"`
	Exchanges []ReplayedExchange `json:"exchanges"`
	setup     string             // why the replay stopped
}

// ReplayedExchange is one recorded exchange and what the server answered when it was replayed.
type ReplayedExchange struct {
	Line      int     `json:"line"` // in the recording, from 1
	Operation string  `json:"operation,omitempty"`
	Method    string  `json:"method"`
	Path      string  `json:"path"` // as recorded
	Verdict   Verdict `json:"verdict"`
	// Why says why the exchange is not comparable, or why only its status was compared.
	Why string `json:"why,omitempty"`
	// Differences are one line each: `status: recorded 422, replayed 204`,
	// `message: recorded "X", replayed "Y"`, `body /extra: only in the recording`,
	// `body /id: string recorded, number replayed`.
	Differences []string `json:"differences,omitempty"`
	// Seeds says what the replay created first for ids the recording used without creating them.
	Seeds    []string `json:"seeds,omitempty"`
	Recorded Answer   `json:"recorded"`
	Replayed *Answer  `json:"replayed,omitempty"` // nil when not sent
	// Request is what was sent, the ids mapped, a code as its placeholder, without the key.
	Request *SentRequest `json:"request,omitempty"`
	// Curl sends Request again, for a difference; a code stays its placeholder, to fill in.
	Curl string `json:"curl,omitempty"`
}

// operation is the exchange's operationId, or "(no route)".
func (x ReplayedExchange) operation() string {
	if x.Operation == "" {
		return "(no route)"
	}
	return x.Operation
}

// Answer is a status and its body: JSON in Body, anything else in Text.
type Answer struct {
	Status int             `json:"status"`
	Body   json.RawMessage `json:"body,omitempty"`
	Text   string          `json:"text,omitempty"`
}

func (a Answer) String() string {
	return strings.TrimSpace(strconv.Itoa(a.Status) + " " + string(a.Body) + a.Text)
}

// OperationFidelity counts an operation's exchanges by verdict.
type OperationFidelity struct {
	Operation                                      string `json:"operation"` // "(no route)" for a path the spec does not have
	Exchanges, Identical, Different, NotComparable int
}

// Operations counts the verdicts by operation, in the order the operations first appear.
func (r *FidelityReport) Operations() []OperationFidelity {
	var out []OperationFidelity
	for _, x := range r.Exchanges {
		op := x.operation()
		i := slices.IndexFunc(out, func(o OperationFidelity) bool { return o.Operation == op })
		if i < 0 {
			i, out = len(out), append(out, OperationFidelity{Operation: op})
		}
		o := &out[i]
		o.Exchanges++
		switch x.Verdict {
		case VerdictIdentical:
			o.Identical++
		case VerdictDifferent:
			o.Different++
		default:
			o.NotComparable++
		}
	}
	return out
}

// Counts returns how many exchanges were identical, different and not comparable.
func (r *FidelityReport) Counts() (identical, different, notComparable int) {
	for _, o := range r.Operations() {
		identical, different, notComparable = identical+o.Identical, different+o.Different, notComparable+o.NotComparable
	}
	return identical, different, notComparable
}

// Fidelity is the share of the comparable exchanges answered identically, from 0 to 1; 0 when
// none was comparable (nothing was measured: [FidelityReport.SetupError] then says so).
func (r *FidelityReport) Fidelity() float64 {
	identical, different, _ := r.Counts()
	if identical+different == 0 {
		return 0
	}
	return float64(identical) / float64(identical+different)
}

// SetupError says why the fidelity cannot be trusted, or "": the replay stopped (the server
// did not answer, or refused the Secret Key), or no exchange could be compared.
func (r *FidelityReport) SetupError() string {
	identical, different, _ := r.Counts()
	switch {
	case r.setup != "":
		return r.setup
	case identical+different == 0:
		return "no exchange could be compared, so nothing was measured"
	}
	return ""
}

// Passed reports whether the report has no [FidelityReport.SetupError] and a
// [FidelityReport.Fidelity] of at least minimum.
func (r *FidelityReport) Passed(minimum float64) bool {
	return r.SetupError() == "" && r.Fidelity() >= minimum
}

// Summary is "fidelity 97.5%: 39 of 40 comparable exchanges identical, 1 different; 3 not
// comparable", led by "not a pass (setup error): " when there is one.
func (r *FidelityReport) Summary() string {
	identical, different, notComparable := r.Counts()
	s := fmt.Sprintf("fidelity %.1f%%: %d of %d comparable exchanges identical, %d different; %d not comparable",
		100*r.Fidelity(), identical, identical+different, different, notComparable)
	if r.SetupError() != "" {
		s = "not a pass (setup error): " + s
	}
	return s
}

// WriteText writes the report for a terminal: a table of the verdicts by operation, each
// difference with both answers and a curl command that reproduces it, each exchange not
// comparable with why, the setup error if any and the [FidelityReport.Summary].
func (r *FidelityReport) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "hubmessage fidelity %s\n\n", r.BaseURL)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "operation\texchanges\tidentical\tdifferent\tnot comparable")
	for _, o := range r.Operations() {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\n", o.Operation, o.Exchanges, o.Identical, o.Different, o.NotComparable)
	}
	tw.Flush()
	b.WriteString("\n")
	for _, x := range r.Exchanges {
		switch x.Verdict {
		case VerdictDifferent:
			fmt.Fprintf(&b, "DIFFERENT %s\n", x.text("  "))
		case VerdictNotComparable:
			fmt.Fprintf(&b, "NOT COMPARABLE line %d: %s %s: %s\n", x.Line, x.Method, x.Path, x.Why)
		}
	}
	if e := r.SetupError(); e != "" {
		fmt.Fprintf(&b, "SETUP ERROR: %s\n", e)
	}
	b.WriteString(r.Summary() + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// text is a different exchange: its line and request, then, indented, each difference, both
// answers and the curl line.
func (x ReplayedExchange) text(indent string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "line %d: %s %s %s", x.Line, x.operation(), x.Method, x.Path)
	for _, d := range x.Differences {
		fmt.Fprintf(&b, "\n%s%s", indent, d)
	}
	fmt.Fprintf(&b, "\n%srecorded: %s", indent, x.Recorded)
	if x.Replayed != nil {
		fmt.Fprintf(&b, "\n%sreplayed: %s", indent, *x.Replayed)
	}
	if x.Why != "" {
		fmt.Fprintf(&b, "\n%snote: %s", indent, x.Why)
	}
	if x.Curl != "" {
		fmt.Fprintf(&b, "\n%sreproduce: %s", indent, x.Curl)
	}
	return b.String()
}

// WriteJSON writes the report as indented JSON: {"baseUrl", "fidelity", "identical",
// "different", "notComparable", "setupError", "operations": [{"operation", "exchanges",
// "identical", "different", "notComparable"}], "exchanges": [{"line", "operation", "method",
// "path", "verdict", "why", "differences", "seeds", "recorded", "replayed", "request",
// "curl"}]}.
func (r *FidelityReport) WriteJSON(w io.Writer) error {
	identical, different, notComparable := r.Counts()
	type op struct {
		Operation     string `json:"operation"`
		Exchanges     int    `json:"exchanges"`
		Identical     int    `json:"identical"`
		Different     int    `json:"different"`
		NotComparable int    `json:"notComparable"`
	}
	var ops []op
	for _, o := range r.Operations() {
		ops = append(ops, op(o))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // placeholders read <code-1>
	return enc.Encode(struct {
		BaseURL       string             `json:"baseUrl"`
		Fidelity      float64            `json:"fidelity"`
		Identical     int                `json:"identical"`
		Different     int                `json:"different"`
		NotComparable int                `json:"notComparable"`
		SetupError    string             `json:"setupError,omitempty"`
		Operations    []op               `json:"operations"`
		Exchanges     []ReplayedExchange `json:"exchanges"`
	}{r.BaseURL, r.Fidelity(), identical, different, notComparable, r.SetupError(), ops, r.Exchanges})
}

// WriteJUnit writes the report as JUnit XML: a testsuite per operation, a testcase per
// exchange ("line N: METHOD path"); a difference is a failure whose text holds the
// differences, both answers and a curl command, an exchange not comparable is skipped. A
// [FidelityReport.SetupError] is one more failed testcase, "setup".
func (r *FidelityReport) WriteJUnit(w io.Writer) error {
	suites := junitSuites{Name: "hubmessage fidelity " + r.BaseURL}
	index := map[string]int{}
	for _, x := range r.Exchanges {
		op := x.operation()
		if _, ok := index[op]; !ok {
			index[op] = len(suites.Suites)
			suites.Suites = append(suites.Suites, junitSuite{Name: op})
		}
		s := &suites.Suites[index[op]]
		tc := junitCase{Name: fmt.Sprintf("line %d: %s %s", x.Line, x.Method, x.Path), ClassName: "hubmessage.fidelity." + op}
		switch x.Verdict {
		case VerdictNotComparable:
			tc.Skipped = &junitSkipped{Message: x.Why}
			s.Skipped++
		case VerdictDifferent:
			tc.Failures = []junitFailed{{Message: strings.Join(x.Differences, "; "), Type: "fidelity", Text: x.text("")}}
			s.Failures++
		}
		s.Tests++
		s.Cases = append(s.Cases, tc)
	}
	if e := r.SetupError(); e != "" {
		suites.Suites = append(suites.Suites, setupSuite("hubmessage.fidelity.setup", e, r.Summary()))
	}
	return suites.write(w)
}

// compare lists how rep differs from x's recorded answer (a different status alone, as the
// bodies of two statuses differ anyway), and says when the body was not compared.
func (rp *replay) compare(x RecordedExchange, rep Answer) ([]string, string) {
	if x.Status != rep.Status { // two different answers: their bodies' shapes tell nothing more
		return []string{fmt.Sprintf("status: recorded %d, replayed %d", x.Status, rep.Status)}, ""
	}
	switch {
	case x.Response.Withheld:
		return nil, "the status alone was compared: the recorded response body was withheld"
	case x.Response.Truncated:
		return nil, "the status alone was compared: the recorded response body was truncated"
	}
	rk, pk := bodyKind(x.Response.Body, x.Response.Text), bodyKind(rep.Body, rep.Text)
	if rk != pk {
		return []string{fmt.Sprintf("body: %s recorded, %s replayed", rk, pk)}, ""
	}
	var rec, got any
	if rk != "JSON" || json.Unmarshal(x.Response.Body, &rec) != nil || json.Unmarshal(rep.Body, &got) != nil {
		return nil, "" // a body that is not JSON is compared on its kind alone
	}
	var diffs []string
	if x.Status >= 400 {
		rm, rok := message(rec)
		pm, pok := message(got)
		if rm = rp.mapText(rm); rok && pok && rm != pm {
			diffs = append(diffs, fmt.Sprintf("message: recorded %q, replayed %q", rm, pm))
		}
	}
	return append(diffs, shapeDiff("", rec, got)...), ""
}

// mapText is s with every recorded id replaced by the one the server gave.
func (rp *replay) mapText(s string) string {
	var pairs []string
	for _, rec := range slices.Sorted(maps.Keys(rp.ids)) {
		pairs = append(pairs, rec, rp.ids[rec])
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// bodyKind is "no body", "JSON" or "text".
func bodyKind(body json.RawMessage, text string) string {
	switch {
	case len(body) > 0:
		return "JSON"
	case text != "":
		return "text"
	}
	return "no body"
}

// message is the string member "message" of an object.
func message(v any) (string, bool) {
	obj, _ := v.(map[string]any)
	m, ok := obj["message"].(string)
	return m, ok
}

// shapeDiff lists where rep's shape differs from rec's below the JSON pointer ptr: a member
// only in one, a different JSON type; arrays element by element up to the shorter.
func shapeDiff(ptr string, rec, rep any) []string {
	at := strings.TrimSpace("body " + ptr)
	if rt, pt := jsonType(rec), jsonType(rep); rt != pt {
		return []string{fmt.Sprintf("%s: %s recorded, %s replayed", at, rt, pt)}
	}
	var out []string
	switch r := rec.(type) {
	case map[string]any:
		p := rep.(map[string]any)
		keys := append(slices.Collect(maps.Keys(r)), slices.Collect(maps.Keys(p))...)
		slices.Sort(keys)
		for _, k := range slices.Compact(keys) {
			child := ptr + "/" + pointerEscaper.Replace(k)
			rv, inRec := r[k]
			pv, inRep := p[k]
			switch {
			case !inRep:
				out = append(out, "body "+child+": only in the recording")
			case !inRec:
				out = append(out, "body "+child+": only in the replay")
			default:
				out = append(out, shapeDiff(child, rv, pv)...)
			}
		}
	case []any:
		p := rep.([]any)
		for i := range min(len(r), len(p)) {
			out = append(out, shapeDiff(ptr+"/"+strconv.Itoa(i), r[i], p[i])...)
		}
	}
	return out
}

// jsonType names v's JSON type.
func jsonType(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	}
	return "null"
}
