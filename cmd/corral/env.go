package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"

	"github.com/spf13/cobra"
)

type envOptions struct {
	dir  string
	json bool
}

func newEnvCommand(d *deps) *cobra.Command {
	opts := &envOptions{}
	cmd := &cobra.Command{
		Use:   "env [--dir DIR] [--json]",
		Short: "Print the materialised Nix environment of the flake in DIR",
		Long: `Print the variables a command run with --backend nix gets from the dev shell
of the flake in DIR, as sorted KEY=value lines or, with --json, one JSON
object. The shell is materialised once and cached under $CORRAL_HOME/nix;
later calls run no nix while flake.nix, flake.lock and nix stay the same.`,
		Args: noArgs,
		RunE: ranE(d, func(cmd *cobra.Command, _ []string) error {
			return runEnv(cmd.Context(), d, opts)
		}),
	}
	cmd.Flags().StringVar(&opts.dir, "dir", ".", "directory holding flake.nix")
	cmd.Flags().BoolVar(&opts.json, "json", false, "print one JSON object")
	return cmd
}

// runEnv checks --dir, reaps first, as every command that is not a pure
// observer does, then prints the materialised environment.
func runEnv(ctx context.Context, d *deps, opts *envOptions) error {
	if err := checkCorralEnv("corral env", os.Getenv); err != nil {
		return err
	}
	if err := checkFlakeDir("corral env", opts.dir); err != nil {
		return err
	}
	if err := openHome(); err != nil {
		return err
	}
	defer d.reapFirst(ctx)()
	env, err := openNixEnv(ctx, d, opts.dir)
	if err != nil {
		return err
	}
	defer env.Shutdown(ctx)
	vars := env.Materialized()
	if opts.json {
		b, err := json.MarshalIndent(vars, "", "  ") // keys sorted
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(d.stdout, "%s\n", b)
		return err
	}
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if _, err := fmt.Fprintf(d.stdout, "%s=%s\n", k, vars[k]); err != nil {
			return err
		}
	}
	return nil
}
