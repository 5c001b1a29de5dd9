package contracttest_test

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hubmessage/hubmessage-go/contracttest"
)

// Coverage resolves a status as the spec does (exact, then range, then default), counts
// nothing for a status or an operation nothing documents, and is safe for concurrent use.
func TestCoverage(t *testing.T) {
	t.Parallel()
	cov, err := contracttest.NewCoverage(fixtureValidator(t, "coverage.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	all := []string{"connectChannel 200", "connectChannel 401", "connectChannel 404", "connectChannel 4XX",
		"connectChannel default", "deleteChannel 204", "deleteChannel 404"}
	if diff := cmp.Diff(all, cov.Missing()); diff != "" {
		t.Errorf("fresh Missing() (-want +got):\n%s", diff)
	}
	if got := cov.Covered(); len(got) != 0 {
		t.Errorf("fresh Covered() = %v, want none", got)
	}
	done := make(chan struct{})
	for _, status := range []int{200, 401, 418, 500, 200} {
		go func() { cov.Record("connectChannel", status); done <- struct{}{} }()
	}
	for range 5 {
		<-done
	}
	cov.Record("deleteChannel", 500) // no default: counts for nothing
	cov.Record("noSuchOperation", 200)
	want := []string{"connectChannel 200", "connectChannel 401", "connectChannel 4XX", "connectChannel default"}
	if diff := cmp.Diff(want, cov.Covered()); diff != "" {
		t.Errorf("Covered() (-want +got):\n%s", diff)
	}
	tb := &fakeTB{}
	cov.Require(tb)
	f := tb.failures()
	if len(f) != 1 {
		t.Fatalf("Require: %v, want one failure", f)
	}
	for _, missing := range []string{"connectChannel 404", "deleteChannel 204", "deleteChannel 404"} {
		if !strings.Contains(f[0], missing) {
			t.Errorf("Require's failure %q does not name %q", f[0], missing)
		}
	}
	cov.Record("connectChannel", 404)
	cov.Record("deleteChannel", 204)
	cov.Record("deleteChannel", 404)
	tb = &fakeTB{}
	if cov.Require(tb); len(tb.failures()) != 0 {
		t.Errorf("Require with everything covered: %v", tb.failures())
	}
	var nilCov *contracttest.Coverage
	nilCov.Record("connectChannel", 200) // must not panic
}

// NewCoverage(nil) covers every response of the embedded spec, whatever it documents: each
// operation's every response key is missing at first, and a status it resolves to covers it.
func TestCoverageOfTheEmbeddedSpec(t *testing.T) {
	t.Parallel()
	cov, err := contracttest.NewCoverage(nil)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	statuses := map[string]int{}
	for _, item := range contracttest.MustNew(t).Spec().Paths.Map() {
		for _, op := range item.Operations() {
			keys := slices.Collect(maps.Keys(op.Responses.Map()))
			for _, key := range keys {
				want = append(want, op.OperationID+" "+key)
				statuses[op.OperationID+" "+key] = statusFor(t, keys, key)
			}
		}
	}
	if len(want) == 0 {
		t.Fatal("the embedded spec documents no response")
	}
	slices.Sort(want)
	if diff := cmp.Diff(want, cov.Missing()); diff != "" {
		t.Errorf("fresh Missing() (-want +got):\n%s", diff)
	}
	for _, pair := range want {
		op, _, _ := strings.Cut(pair, " ")
		cov.Record(op, statuses[pair])
		if !slices.Contains(cov.Covered(), pair) {
			t.Errorf("recording %s %d did not cover %s", op, statuses[pair], pair)
		}
	}
	if missing := cov.Missing(); len(missing) != 0 {
		t.Errorf("recording a status for each documented response left %v missing", missing)
	}
}

// statusFor is a status that resolves to key among an operation's documented keys: the
// status itself, the first of a range's statuses documented no other way, or for default the
// first status documented no other way.
func statusFor(t *testing.T, keys []string, key string) int {
	t.Helper()
	documented := func(status int) bool {
		s := strconv.Itoa(status)
		return slices.ContainsFunc(keys, func(k string) bool {
			return k == s || strings.EqualFold(k, s[:1]+"XX")
		})
	}
	if n, err := strconv.Atoi(key); err == nil {
		return n
	}
	lo, hi := 100, 599
	if key != "default" {
		lo = int(key[0]-'0') * 100
		hi = lo + 99
	}
	for status := lo; status <= hi; status++ {
		if key == "default" && !documented(status) || key != "default" && !slices.Contains(keys, strconv.Itoa(status)) {
			return status
		}
	}
	t.Fatalf("no status resolves to %s among %v", key, keys)
	return 0
}
