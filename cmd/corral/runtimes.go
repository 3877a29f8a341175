package main

import (
	"context"

	"github.com/corralrun/corral/runners/base"
)

// runtimeInfo is what doctor found of one runtime. path is "" when it is
// not in PATH; err is set when its version could not be read.
type runtimeInfo struct {
	name, path, version string
	err                 error
}

// lookupRuntime finds name in PATH and reads its version as the library's
// runtime checks do (base.RuntimeVersion), so that doctor shows the
// version those checks compare.
func lookupRuntime(ctx context.Context, name string) runtimeInfo {
	path, version, err := base.RuntimeVersion(ctx, name)
	return runtimeInfo{name: name, path: path, version: version, err: err}
}
