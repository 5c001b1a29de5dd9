// Package apicompat keeps the API's spec safe to evolve: [Project.Breaking] compares the working spec with
// every released contract through oasdiff, with the repository's severity levels
// ([ParseSeverity]) and acknowledged breaking changes ([ParseAcknowledgements]), and holds
// info.version to the changes it finds; [Project.Release] snapshots a spec that passes. The
// policy itself is README.md's "Changing the API".
//
// oasdiff is imported only here, and only cmd/apispec imports this package, so oasdiff
// never reaches a package a client imports (TestOasdiffStaysInternal checks it).
package apicompat
