package base

import (
	"context"
	"log/slog"
	"os"

	"github.com/corralrun/corral/resources"
)

// ResolveStandaloneEnvironment returns an environment for dir honouring
// runtimeCtx where this build can: for now every kind resolves to a
// NativeEnvironment (the Nix and container backends are not part of this
// package yet), and a Nix or container request is logged as served
// natively. It never returns nil: if dir cannot be used, the environment
// runs in the current directory and the problem is logged.
func ResolveStandaloneEnvironment(ctx context.Context, dir string, runtimeCtx *resources.RuntimeContext) RunnerEnvironment {
	if runtimeCtx != nil && (runtimeCtx.Kind == resources.RuntimeNix || runtimeCtx.Kind == resources.RuntimeContainer) {
		slog.Default().Info("corral: runtime kind served natively", "kind", runtimeCtx.Kind, "dir", dir)
	}
	env, err := NewNativeEnvironment(ctx, dir)
	if err == nil {
		return env
	}
	slog.Default().Warn("corral: environment directory unusable; using the current directory", "dir", dir, "err", err)
	wd, _ := os.Getwd()
	return &NativeEnvironment{dir: wd, containment: DetectContainment(), grace: DefaultGracePeriod, live: make(map[*NativeProc]struct{})}
}
