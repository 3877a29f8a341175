package main

import (
	"context"

	"github.com/corralrun/corral/runners/base"
)

// newNixProc creates the materialised Nix environment of cfg.dir (cached,
// so a second run runs no nix) and the process of cfg in it.
func newNixProc(ctx context.Context, d *deps, cfg *runConfig) (runProc, base.Containment, error) {
	env, err := openNixEnv(ctx, d, cfg.dir)
	if err != nil {
		return nil, base.Containment{}, err
	}
	return hostProc(ctx, env, cfg, "nix")
}

var _ runProc = (*base.NixProc)(nil)
