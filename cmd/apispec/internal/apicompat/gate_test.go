package apicompat_test

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/hubmessage/hubmessage-go/cmd/apispec/internal/apicompat"
)

const (
	ack404         = "POST /v1/channels/{channelId}/connect removed the non-success response with the status `404`"
	ackPathRemoved = "POST /v1/channels/{channelId}/connect api path removed without deprecation"
)

// release is a released contract for a gate case: the fixture with variants, at a version
// (set before the variants).
type release struct {
	version  string
	variants []variant
}

func TestGateVersionDiscipline(t *testing.T) {
	t.Parallel()
	v1 := []release{{"1.0.0", nil}}
	for _, tc := range []struct {
		name     string
		released []release
		working  []variant
		acks     string
		want     []string // one substring per expected problem, in order; none: the gate passes
	}{
		{name: "identical, same version", released: v1},
		{name: "description reworded, same version", released: v1, working: []variant{rewordResult}},
		{name: "identical, patch bump", released: v1, working: []variant{version("1.0.1")}},
		{name: "additive, same version", released: v1, working: []variant{addOptionalNote},
			want: []string{"info.version 1.0.0 must become 1.1.0 or higher: 1 API change(s) since released 1.0.0:\n  info [new-optional-request-property]"}},
		{name: "additive, patch bump", released: v1, working: []variant{addOptionalNote, version("1.0.1")},
			want: []string{"info.version 1.0.1 must become 1.1.0 or higher"}},
		{name: "additive, minor bump", released: v1, working: []variant{addOptionalNote, version("1.1.0")}},
		{name: "additive, major bump", released: v1, working: []variant{addOptionalNote, version("2.0.0")}},
		{name: "operation added, same version", released: []release{{"1.0.0", []variant{removeDisconnect}}},
			want: []string{"info.version 1.0.0 must become 1.1.0 or higher: 1 API change(s) since released 1.0.0:\n" +
				"  info [endpoint-added] PUT /v1/channels/{channelId}/disconnect: endpoint added"}},
		{name: "operation added, minor bump", released: []release{{"1.0.0", []variant{removeDisconnect}}},
			working: []variant{version("1.1.0")}},
		{name: "operation and error status added, minor bump", released: []release{{"1.0.0", []variant{removeDisconnect}}},
			working: []variant{add409, version("1.1.0")}},
		{name: "operation removed, minor bump", released: v1, working: []variant{removeDisconnect, version("1.1.0")},
			want: []string{"1 breaking change(s) vs released 1.0.0 (1.0.0.yaml):\n" +
				"  error [api-path-removed-without-deprecation] PUT /v1/channels/{channelId}/disconnect: api path removed without deprecation",
				"info.version 1.1.0 must become 2.0.0 or higher: 1 breaking change(s) since released 1.0.0:\n  error [api-path-removed-without-deprecation]"}},
		{name: "breaking, not acknowledged", released: v1, working: []variant{remove404, version("2.0.0")},
			want: []string{"1 breaking change(s) vs released 1.0.0 (1.0.0.yaml):\n" +
				"  error [response-non-success-status-removed] POST /v1/channels/{channelId}/connect: removed the non-success response with the status `404`\n" +
				"Clients generated from 1.0.0 would break. Undo the change or, if the break is deliberate,\n" +
				"add these lines to breaking-ignore.txt:\n  " + ack404}},
		{name: "breaking, not acknowledged, with an addition, same version", released: v1, working: []variant{remove404, add409},
			want: []string{"add these lines to breaking-ignore.txt:\n  " + ack404,
				"info.version 1.0.0 must become 2.0.0 or higher: 1 breaking change(s) since released 1.0.0:\n  error [response-non-success-status-removed]"}},
		{name: "breaking, acknowledged, same version", released: v1, working: []variant{remove404}, acks: ack404,
			want: []string{"info.version 1.0.0 must become 2.0.0 or higher: 1 acknowledged breaking change(s) since released 1.0.0:\n  error [response-non-success-status-removed]"}},
		{name: "breaking, acknowledged, minor bump", released: v1, working: []variant{remove404, version("1.1.0")}, acks: ack404,
			want: []string{"info.version 1.1.0 must become 2.0.0 or higher"}},
		{name: "breaking, acknowledged, major bump", released: v1, working: []variant{remove404, version("2.0.0")}, acks: "# why\n2.0.0 " + ack404},
		{name: "acknowledgement of another change", released: v1, working: []variant{renameConnectPath, version("2.0.0")}, acks: ack404,
			want: []string{"1 breaking change(s) vs released 1.0.0", "breaking-ignore.txt:1: " + ack404 + "\n  acknowledges no breaking change"}},
		{name: "stale acknowledgement", released: v1, acks: "\n" + ackPathRemoved,
			want: []string{"breaking-ignore.txt:2: " + ackPathRemoved + "\n  acknowledges no breaking change against any release; remove the line"}},
		{name: "version below the latest release", released: []release{{"1.0.0", nil}, {"1.1.0", nil}},
			want: []string{"info.version 1.0.0 is lower than the latest release 1.1.0 (1.1.0.yaml)"}},
		{name: "every release is checked, not just the latest",
			released: []release{{"1.0.0", nil}, {"2.0.0", []variant{remove404}}},
			working:  []variant{remove404, version("2.0.0")},
			want:     []string{"1 breaking change(s) vs released 1.0.0"}},
		{name: "an acknowledgement keeps holding for older releases",
			released: []release{{"1.0.0", nil}, {"2.0.0", []variant{remove404}}},
			working:  []variant{remove404, version("2.0.0")}, acks: ack404},
		{name: "additive after a major", released: []release{{"1.0.0", nil}, {"2.0.0", []variant{remove404}}},
			working: []variant{remove404, addOptionalNote, version("2.0.0")}, acks: ack404,
			want: []string{"info.version 2.0.0 must become 2.1.0 or higher: 1 API change(s) since released 2.0.0"}},
		{name: "no release", want: []string{"no released contract to compare with"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var released []*apicompat.Spec
			for _, r := range tc.released {
				released = append(released, spec(t, r.version+".yaml", append([]variant{version(r.version)}, r.variants...)...))
			}
			working := spec(t, "hubmessage.yaml", tc.working...)
			err := (&apicompat.Project{Released: released, Working: working, Policy: repoPolicy(t, tc.acks)}).Breaking(io.Discard)
			gateErr := &apicompat.GateError{}
			if err != nil && !errors.As(err, &gateErr) {
				t.Fatal(err)
			}
			if len(gateErr.Problems) != len(tc.want) {
				t.Fatalf("%d problems, want %d:\n%v", len(gateErr.Problems), len(tc.want), err)
			}
			for i, want := range tc.want {
				if !strings.Contains(gateErr.Problems[i], want) {
					t.Errorf("problem %d:\n%s\nwant it to contain:\n%s", i, gateErr.Problems[i], want)
				}
			}
		})
	}
}

func TestGateReportsWarningsWithoutFailing(t *testing.T) {
	t.Parallel()
	// A response pattern change is a warning by default: reported, not a failure.
	working := spec(t, "hubmessage.yaml", errorMessagePattern("^[A-Za-z]"))
	base := spec(t, "1.0.0.yaml", errorMessagePattern("^[A-Z]"))
	var summary strings.Builder
	err := (&apicompat.Project{Released: []*apicompat.Spec{base}, Working: working, Policy: repoPolicy(t, "")}).Breaking(&summary)
	var gateErr *apicompat.GateError
	if !errors.As(err, &gateErr) || len(gateErr.Problems) != 1 || !strings.Contains(err.Error(), "info.version 1.0.0 must become 1.1.0") {
		t.Errorf("Breaking() = %v, want only the minor bump a warning-level change needs", err)
	}
	if !strings.Contains(summary.String(), "  since 1.0.0: warning [response-property-pattern-changed]") {
		t.Errorf("summary does not list the warning:\n%s", summary.String())
	}
}
