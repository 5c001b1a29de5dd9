// Package contractsuite is this project's own contract suite, kept apart from the packages it
// checks: the typed client (client/) and the generated client (gen/) talk to the reference
// server (mockserver/) through contracttest's validating transport, and the server sits behind
// contracttest's validating middleware, so both directions of every exchange are checked
// against the spec. The typed client calls every operation in every server state that applies
// to it (a table of states set up through the reference server's options and Go API), and
// `hubmessage verify`'s cases must all pass against the reference server. The suite fails
// unless every documented (operation, status) pair was exercised.
//
// It has no code of its own; see suite_test.go.
package contractsuite
