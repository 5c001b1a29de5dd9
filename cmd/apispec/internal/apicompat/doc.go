// Package apicompat keeps the API's spec safe to evolve: [Project.Breaking] is the gate
// README.md's "Changing the API" describes, over every released contract, through oasdiff;
// [Project.Changelog] prints a release's section of CHANGELOG.md and [Project.WriteChangelog]
// inserts it.
//
// oasdiff is imported only here, and only cmd/apispec imports this package, so oasdiff
// never reaches a package a client imports (TestOasdiffStaysInternal checks it).
package apicompat
