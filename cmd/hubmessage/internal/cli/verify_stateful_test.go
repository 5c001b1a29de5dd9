package cli

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/hubmessage/hubmessage-go/internal/secretkey"
	"github.com/hubmessage/hubmessage-go/mockserver/mocktest"
)

// `verify --stateful` against the reference server passes, with codes from its POST
// /_mock/codes, and its JUnit report has unique testcase names including use_after_free and
// ensure_resource_availability.
func TestVerifyStatefulAgainstTheReferenceServer(t *testing.T) {
	t.Parallel()
	ts := mocktest.Start(t)
	code, stdout, stderr := runWithEnv(t, map[string]string{secretkey.EnvVar: ts.SecretKey},
		"verify", "--base-url", ts.URL, "--stateful", "--format", "junit")
	if code != exitOK {
		t.Fatalf("exit %d; stderr: %s\n%s", code, stderr, stdout)
	}
	var suites struct {
		Cases []struct {
			Name      string `xml:"name,attr"`
			ClassName string `xml:"classname,attr"`
		} `xml:"testsuite>testcase"`
	}
	if err := xml.Unmarshal([]byte(stdout), &suites); err != nil {
		t.Fatal(err)
	}
	seen, checks := map[string]bool{}, map[string]bool{}
	for _, c := range suites.Cases {
		if seen[c.Name] {
			t.Errorf("testcase %s twice", c.Name)
		}
		seen[c.Name] = true
		check, _, _ := strings.Cut(c.Name, "/")
		checks[check] = true
	}
	for _, want := range []string{"use_after_free", "ensure_resource_availability", "delete_while_linked", "single_use_value_reuse"} {
		if !checks[want] {
			t.Errorf("no %s testcase", want)
		}
	}
	if stderr != "" {
		t.Errorf("stderr: %s", stderr)
	}
}

func TestVerifyCodeFlag(t *testing.T) {
	t.Parallel()
	ts := mocktest.Start(t)
	env := map[string]string{secretkey.EnvVar: ts.SecretKey}
	code, _, stderr := runWithEnv(t, env, "verify", "--base-url", ts.URL, "--code", "AQBsecret")
	if code != exitUsage || !strings.Contains(stderr, "--code") || strings.Contains(stderr, "AQBsecret") {
		t.Errorf("--code without --stateful: exit %d, stderr %q; want a usage error naming the flag, not the code", code, stderr)
	}
	// A used code makes the later connects fail; whatever the verdict, the code is not shown.
	_, stdout, stderr := runWithEnv(t, env, "verify", "--base-url", ts.URL, "--stateful", "--code", "AQBsecret", "--format", "json")
	if strings.Contains(stdout+stderr, "AQBsecret") {
		t.Errorf("the code is in the output:\n%s\n%s", stdout, stderr)
	}
	if !strings.Contains(stdout, `"use_after_free/`) {
		t.Errorf("no use_after_free case in:\n%s", stdout)
	}
}
