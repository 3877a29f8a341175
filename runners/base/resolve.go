package base

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/corralrun/corral/internal/nixshell"
	"github.com/corralrun/corral/resources"
)

// ResolveStandaloneEnvironment returns an environment for dir honouring
// runtimeCtx where it can: a NixEnvironment when runtimeCtx.Kind is nix,
// nix is in PATH and dir holds a flake.nix; a NativeEnvironment otherwise
// (a container kind is served natively by this package; see
// runners/companion). Whenever the result is not what was asked for, the
// reason is logged through slog.Default(). It never returns nil: if dir
// cannot be used, the environment runs in the current directory and the
// problem is logged. The Nix environment is returned before Init (its
// processes run wrapped until the caller calls Init).
func ResolveStandaloneEnvironment(ctx context.Context, dir string, runtimeCtx *resources.RuntimeContext) RunnerEnvironment {
	logger := slog.Default()
	if runtimeCtx != nil && runtimeCtx.Kind == resources.RuntimeNix {
		reason := nixUnavailable(dir)
		if reason == "" {
			env, err := NewNixEnvironment(ctx, dir)
			if err == nil {
				logger.Debug("corral: runtime kind nix served by a Nix environment", "dir", env.dir)
				return env
			}
			reason = err.Error()
		}
		logger.Info("corral: runtime kind nix served natively", "dir", dir, "reason", reason)
	} else if runtimeCtx != nil && runtimeCtx.Kind == resources.RuntimeContainer {
		logger.Info("corral: runtime kind served natively", "kind", runtimeCtx.Kind, "dir", dir, "reason", "containers are served by runners/docker and runners/companion")
	}
	env, err := NewNativeEnvironment(ctx, dir)
	if err == nil {
		return env
	}
	logger.Warn("corral: environment directory unusable; using the current directory", "dir", dir, "err", err)
	wd, _ := os.Getwd()
	return &NativeEnvironment{dir: wd, containment: DetectContainment(), live: make(map[*NativeProc]struct{})}
}

// nixUnavailable says why a Nix environment cannot serve dir, or "".
func nixUnavailable(dir string) string {
	if _, err := nixshell.Find(); err != nil {
		return "nix is not installed: " + NixInstallCommand()
	}
	if _, err := os.Stat(filepath.Join(dir, "flake.nix")); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Sprintf("no flake.nix in %s", dir)
		}
		return err.Error()
	}
	return ""
}
