package cli

import (
	"cmp"
	"context"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/hubmessage/hubmessage-go/openapi"
)

const versionUsage = `Usage: hubmessage version   (or hubmessage --version)

Prints three versions, a line each: this build of the hubmessage-go module (from the build
information: vX.Y.Z when installed with go install ...@vX.Y.Z, a pseudo-version or (devel)
when built from a checkout), the API version it speaks (the embedded spec's info.version)
and the Go toolchain that built it.
`

func runVersion(_ context.Context, args []string, env Env) int {
	if err := parseFlags(newFlagSet("hubmessage version"), args); err != nil {
		return flagsFailed(env, "hubmessage version", versionUsage, err)
	}
	api := "unknown (the embedded spec does not load)"
	if doc, err := openapi.Spec(); err == nil {
		api = doc.Info.Version
	}
	fmt.Fprintf(env.Stdout, "hubmessage-go %s\nAPI %s\n%s %s/%s\n", moduleVersion(), api, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return exitOK
}

// moduleVersion is the main module's version in the build information.
func moduleVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		return cmp.Or(bi.Main.Version, "(devel)")
	}
	return "(devel)"
}
