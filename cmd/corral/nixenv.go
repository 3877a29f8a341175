package main

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/corralrun/corral/runners/base"
)

// statusAfter is how long materialising may take before corral says it
// is at work.
const statusAfter = time.Second

// nixCacheDir is where the CLI caches materialised dev shells:
// $CORRAL_HOME/nix, else ~/.corral/nix, else (no home directory known)
// corral-nix-cache-<uid> in the temporary directory, so that there is
// always a cache and never a temporary GC root to release.
func nixCacheDir() string {
	if h := os.Getenv("CORRAL_HOME"); h != "" {
		return filepath.Join(h, "nix")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".corral", "nix")
	}
	return filepath.Join(os.TempDir(), "corral-nix-cache-"+strconv.Itoa(os.Getuid()))
}

// checkFlakeDir is the usage check of --dir for a Nix command: a
// directory holding flake.nix.
func checkFlakeDir(cmdPath, dir string) error {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return usageErrorf(cmdPath, "bad --dir %q: not a directory", dir)
	}
	if _, err := os.Stat(filepath.Join(dir, "flake.nix")); errors.Is(err, fs.ErrNotExist) {
		return usageErrorf(cmdPath, "no flake.nix in %q: the nix backend needs a flake; give --dir the directory that holds it", dir)
	}
	return nil
}

// openNixEnv returns the materialised Nix environment of dir, cached
// under $CORRAL_HOME/nix so that a later run runs no nix. While nix
// materialises the shell for longer than statusAfter, stderr says so.
func openNixEnv(ctx context.Context, d *deps, dir string) (*base.NixEnvironment, error) {
	env, err := base.NewNixEnvironment(ctx, dir)
	if err != nil {
		return nil, err
	}
	env.WithLogger(d.logger())
	env.WithCacheDir(nixCacheDir())
	stop := startStatus(d.stderr, "corral: materialising the nix dev shell of "+env.Dir(), statusAfter)
	err = env.Init(ctx)
	stop()
	if err != nil {
		return nil, err
	}
	return env, nil
}
