package apicompat_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hubmessage/hubmessage-go/cmd/apispec/internal/apicompat"
)

// levelsAndIDs returns the distinct "level check-id" pairs of changes, sorted.
func levelsAndIDs(changes []apicompat.Change) []string {
	var out []string
	for _, c := range changes {
		out = append(out, fmt.Sprintf("%s %s", c.Level, c.ID))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Each case diffs a variant of the fixture against a base (the fixture, or a variant) and
// wants exactly these oasdiff checks, at the level the repository's severity file gives them.
func TestCompareFindsWhatBreaksGeneratedClients(t *testing.T) {
	t.Parallel()
	policy := repoPolicy(t, "")
	for _, tc := range []struct {
		name     string
		base     []variant
		revision []variant
		want     []string
		breaking bool
	}{
		{name: "identical", want: nil},
		{name: "description reworded", revision: []variant{rewordResult}, want: nil},
		{name: "version bumped only", revision: []variant{version("1.1.0")}, want: nil},
		{name: "operation added", base: []variant{removeDisconnect},
			want: []string{"info endpoint-added"}},
		{name: "optional request property added", revision: []variant{addOptionalNote},
			want: []string{"info new-optional-request-property"}},
		{name: "non-success status added", revision: []variant{add409},
			want: []string{"info response-non-success-status-added"}},
		{name: "optional response property added", revision: []variant{addConnectedAt},
			want: []string{"info response-optional-property-added"}},
		{name: "operation removed", revision: []variant{removeDisconnect}, breaking: true,
			want: []string{"error api-path-removed-without-deprecation"}},
		{name: "required response property removed", revision: []variant{removeSuccess}, breaking: true,
			want: []string{"error response-required-property-removed"}},
		{name: "optional response property removed", base: []variant{addConnectedAt}, breaking: true,
			want: []string{"error response-optional-property-removed"}}, // raised from info
		{name: "response property became optional", revision: []variant{successOptional}, breaking: true,
			want: []string{"error response-property-became-optional"}},
		{name: "optional request property became required", base: []variant{addOptionalNote},
			revision: []variant{addOptionalNote, requireNote}, breaking: true,
			want: []string{"error request-property-became-required"}},
		{name: "required request property added", revision: []variant{addRequiredNote}, breaking: true,
			want: []string{"error new-required-request-property"}},
		{name: "request pattern narrowed", revision: []variant{narrowWabaPattern}, breaking: true,
			want: []string{"error request-property-pattern-changed"}}, // raised from warning
		{name: "request property type changed", revision: []variant{coexistenceAsString}, breaking: true,
			want: []string{"error request-property-type-changed"}},
		{name: "path renamed", revision: []variant{renameConnectPath}, breaking: true,
			want: []string{"error api-path-removed-without-deprecation", "info endpoint-added"}},
		{name: "documented error status removed", revision: []variant{remove404}, breaking: true,
			want: []string{"error response-non-success-status-removed"}}, // raised from info
		{name: "operationId renamed", revision: []variant{renameConnectID}, breaking: true,
			want: []string{"error api-operation-id-removed"}}, // raised from info
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			base := spec(t, "base.yaml", tc.base...)
			revision := spec(t, "revision.yaml", tc.revision...)
			changes, err := apicompat.Compare(base, revision, policy)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, levelsAndIDs(changes)); diff != "" {
				t.Errorf("changes (-want +got):\n%s\nall: %v", diff, changes)
			}
			if got := slices.ContainsFunc(changes, apicompat.Change.Breaking); got != tc.breaking {
				t.Errorf("breaking = %v, want %v: %v", got, tc.breaking, changes)
			}
		})
	}
}

// Without the repository's severity file oasdiff rates these below error; the file is what
// makes them fail. If oasdiff ever raises them itself, this test says the entries can go.
func TestSeverityFileRaisesChecksThatBreakGeneratedCode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		revision []variant
		base     []variant
		id       string
	}{
		{"documented error status removed", []variant{remove404}, nil, "response-non-success-status-removed"},
		{"optional response property removed", nil, []variant{addConnectedAt}, "response-optional-property-removed"},
		{"request pattern narrowed", []variant{narrowWabaPattern}, nil, "request-property-pattern-changed"},
		{"operationId renamed", []variant{renameConnectID}, nil, "api-operation-id-removed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			base, revision := spec(t, "base.yaml", tc.base...), spec(t, "revision.yaml", tc.revision...)
			byDefault, err := apicompat.Compare(base, revision, apicompat.Policy{})
			if err != nil {
				t.Fatal(err)
			}
			raised, err := apicompat.Compare(base, revision, repoPolicy(t, ""))
			if err != nil {
				t.Fatal(err)
			}
			if len(byDefault) != 1 || byDefault[0].ID != tc.id || byDefault[0].Breaking() {
				t.Errorf("oasdiff default: %v, want one non-error %s", byDefault, tc.id)
			}
			if len(raised) != 1 || raised[0].ID != tc.id || !raised[0].Breaking() {
				t.Errorf("with breaking-severity.txt: %v, want one error %s", raised, tc.id)
			}
		})
	}
}

func TestChangeSaysWhatAndWhereAndHowToAcknowledge(t *testing.T) {
	t.Parallel()
	base, revision := spec(t, "base.yaml"), spec(t, "revision.yaml", successOptional)
	changes, err := apicompat.Compare(base, revision, repoPolicy(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1 {
		t.Fatalf("changes = %v, want 1", changes)
	}
	c := changes[0]
	const text = "the response property `success` became optional for the status `200`"
	if got, want := c.String(), "error [response-property-became-optional] POST /v1/channels/{channelId}/connect: "+text; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	line := c.AcknowledgementLine()
	if want := "POST /v1/channels/{channelId}/connect " + text; line != want {
		t.Errorf("AcknowledgementLine() = %q, want %q", line, want)
	}
	// The line it suggests must acknowledge it, with oasdiff's own matching.
	acked, err := apicompat.Compare(base, revision, repoPolicy(t, "2.0.0: "+line+" (why)"))
	if err != nil {
		t.Fatal(err)
	}
	if len(acked) != 1 || acked[0].Breaking() || acked[0].AcknowledgedBy == nil || acked[0].AcknowledgedBy.Line != 1 {
		t.Errorf("with its acknowledgement line: %+v, want acknowledged by line 1", acked)
	}
}

// BenchmarkCompare measures one oasdiff comparison of the fixture with a changed copy, the
// unit of work the gate repeats once per release.
func BenchmarkCompare(b *testing.B) {
	base, revision := spec(b, "base.yaml"), spec(b, "revision.yaml", remove404, addOptionalNote)
	policy := repoPolicy(b, "")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := apicompat.Compare(base, revision, policy); err != nil {
			b.Fatal(err)
		}
	}
}
