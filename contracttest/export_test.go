package contracttest

// Hooks for the external tests.

// WithoutFastPath returns a copy of v that always takes the slow path, so tests can hold the
// fast path's verdicts to it.
func WithoutFastPath(v *Validator) *Validator {
	c := *v
	c.noFast = true
	return &c
}

// ErrAmbiguousJSON marks the violations of a request body kin-openapi and encoding/json would
// read differently, which plain openapi3filter does not report.
var ErrAmbiguousJSON = errAmbiguousJSON
