package main

import (
	"context"
	"errors"

	"github.com/spf13/cobra"
)

// errNixBackendUnavailable is the answer of `corral env` until the CLI
// gains the Nix backend (base.NixEnvironment): that work is tracked by the
// Nix issue, and the command exists now so that its interface is settled.
var errNixBackendUnavailable = errors.New("the nix backend is not available yet")

type envOptions struct {
	dir string
}

func newEnvCommand(d *deps) *cobra.Command {
	opts := &envOptions{}
	cmd := &cobra.Command{
		Use:   "env [--dir DIR]",
		Short: "Print the materialised Nix environment of DIR (not available yet)",
		Args:  noArgs,
		RunE: ranE(d, func(cmd *cobra.Command, _ []string) error {
			return runEnv(cmd.Context(), d, opts)
		}),
	}
	cmd.Flags().StringVar(&opts.dir, "dir", ".", "directory holding flake.nix")
	return cmd
}

// runEnv reaps first, as every command that is not a pure observer does,
// then answers that the Nix backend is not there yet (exit 1: the input
// is fine, this build is not).
func runEnv(ctx context.Context, d *deps, _ *envOptions) error {
	d.reapFirst(ctx)
	return errNixBackendUnavailable
}
