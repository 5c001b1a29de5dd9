package contracttest

// ErrAmbiguousJSON marks the violations of a request body kin-openapi and encoding/json would
// read differently, which plain openapi3filter does not report.
var ErrAmbiguousJSON = errAmbiguousJSON
