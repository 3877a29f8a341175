package main

import (
	"context"
	"fmt"

	"github.com/corralrun/corral/runners/base"
)

// newNixProc creates the materialised Nix environment of cfg.dir (cached,
// so a second run runs no nix) and the process of cfg in it.
func newNixProc(ctx context.Context, d *deps, cfg *runConfig) (runProc, base.Containment, error) {
	env, err := openNixEnv(ctx, d, cfg.dir)
	if err != nil {
		return nil, base.Containment{}, err
	}
	env.WithGracePeriod(cfg.grace)
	env.WithEnvironmentVariables(ctx, cfg.envs...)
	p, err := env.NewProcess(cfg.command[0], cfg.command[1:]...)
	if err != nil {
		return nil, base.Containment{}, notFoundStatus(err)
	}
	proc, ok := p.(runProc)
	if !ok {
		return nil, base.Containment{}, fmt.Errorf("nix environment returned a %T, which cannot run in the foreground", p)
	}
	return proc, env.Containment(), nil
}

var _ runProc = (*base.NixProc)(nil)
