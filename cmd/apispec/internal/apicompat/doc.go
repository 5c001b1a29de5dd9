// Package apicompat keeps the Hub Message API's spec safe to evolve: it compares the working
// spec (openapi/hubmessage.yaml) with every released contract (openapi/released/<version>.yaml)
// using oasdiff, and fails on any change that would break a client generated from it.
//
// # The gate
//
// [Gate] runs oasdiff's checks with the repository's severity levels
// (openapi/breaking-severity.txt, see [ParseSeverity]), which raise to ERR the checks oasdiff
// rates lower but that break generated code, such as removing a documented error response.
// Every ERR-level change fails the gate unless a line of openapi/breaking-ignore.txt
// acknowledges it (see [ParseAcknowledgements]); WARN-level changes are reported. There is
// no switch to turn the gate off: a deliberate break is acknowledged in a file review sees.
//
// # Version discipline
//
// An acknowledged breaking change requires a new major info.version relative to the release
// it breaks; any other API change requires at least a new minor version once the latest
// version is released; a spec identical in API terms may keep its version. See [Version].
//
// # Releases
//
// [Project.Release] copies the spec to openapi/released/<info.version>.yaml once the gate passes,
// refusing to overwrite a snapshot, reuse a version or go below the latest release.
//
// oasdiff is imported only here, and only cmd/apispec imports this package, so oasdiff
// never reaches a package a client imports (TestOasdiffStaysInternal checks it).
package apicompat
