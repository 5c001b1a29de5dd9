package contracttest_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/hubmessage/hubmessage-go/contracttest"
	"github.com/hubmessage/hubmessage-go/mockserver/mocktest"
)

var statefulChecks = map[string]bool{
	contracttest.CheckEnsureResourceAvailability: true, contracttest.CheckUseAfterFree: true,
	contracttest.CheckDeleteWhileLinked: true, contracttest.CheckSingleUseValueReuse: true, contracttest.CheckCleanup: true,
}

// statefulRun runs Verify with Stateful against h and returns the stateful results.
func statefulRun(t *testing.T, h http.Handler, key string, codes contracttest.CodeSource) []contracttest.Result {
	t.Helper()
	report := verify(t, h, contracttest.VerifyOptions{SecretKey: key, Stateful: true, CodeSource: codes})
	var out []contracttest.Result
	for _, r := range report.Results {
		if statefulChecks[r.Check] {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		t.Fatal("no stateful results")
	}
	return out
}

func TestStatefulAgainstTheReferenceServer(t *testing.T) {
	t.Parallel()
	ts := mocktest.Start(t)
	before := len(ts.Server.Channels())
	codes := func(context.Context) (string, error) { c, _ := ts.Server.IssueCode(); return c, nil }
	results := statefulRun(t, ts.Server, ts.SecretKey, codes)
	seen := map[string]bool{}
	checks := map[string]int{}
	for _, r := range results {
		if len(r.Failures) > 0 || r.Skipped != "" {
			t.Errorf("%s: %s %s -> %d: %v %s", r.Case, r.Method, r.Path, r.Status, r.Failures, r.Skipped)
		}
		if seen[r.Case] {
			t.Errorf("case name %s twice", r.Case)
		}
		seen[r.Case] = true
		checks[r.Check]++
		t.Logf("%s %s %s -> %d", r.Case, r.Method, r.Path, r.Status)
	}
	for _, c := range []string{contracttest.CheckEnsureResourceAvailability, contracttest.CheckUseAfterFree,
		contracttest.CheckDeleteWhileLinked, contracttest.CheckSingleUseValueReuse} {
		if checks[c] == 0 {
			t.Errorf("no %s case ran; ran %v", c, checks)
		}
	}
	for _, want := range []string{"delete_while_linked/partnerDeleteChannel/partnerCreateChannel/whatsappMeta/after/connectMetaChannel",
		"single_use_value_reuse/connectMetaChannel/partnerCreateChannel/whatsappMeta",
		"use_after_free/disconnectMetaChannel/partnerCreateChannel/whatsappMeta"} {
		if !seen[want] {
			t.Errorf("no case %s", want)
		}
	}
	// Everything created was deleted again.
	if n := len(ts.Server.Channels()); n != before {
		t.Errorf("%d channels on the server after the run, %d before", n, before)
	}
}
