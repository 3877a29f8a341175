package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

type portOptions struct{}

func newPortCommand(d *deps) *cobra.Command {
	opts := &portOptions{}
	return &cobra.Command{
		Use:   "port",
		Short: "Print a free TCP port",
		Long: `Print a TCP port that is free on 127.0.0.1 right now, the number alone.
Another process may take it before you bind it.`,
		Args: noArgs,
		RunE: ranE(d, func(cmd *cobra.Command, _ []string) error {
			return runPort(cmd.Context(), d, opts)
		}),
	}
}

// runPort prints a free port. It does not reap first: it touches no tree.
func runPort(_ context.Context, d *deps, _ *portOptions) error {
	port, err := d.freePort()
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(d.stdout, port)
	return err
}
