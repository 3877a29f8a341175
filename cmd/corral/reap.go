package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/corralrun/corral/runners/base"
	"github.com/corralrun/corral/runners/docker"
	"github.com/spf13/cobra"
)

type reapOptions struct{}

func newReapCommand(d *deps) *cobra.Command {
	opts := &reapOptions{}
	return &cobra.Command{
		Use:   "reap",
		Short: "Stop the trees left behind by dead corral processes",
		Long: `Stop every recorded tree whose owner is dead and remove its record.
Records that cannot be trusted are set aside, never acted on.`,
		Args: noArgs,
		RunE: ranE(d, func(cmd *cobra.Command, _ []string) error {
			return runReap(cmd.Context(), d, opts)
		}),
	}
}

func runReap(ctx context.Context, d *deps, _ *reapOptions) error {
	if err := checkCorralEnv("corral reap", os.Getenv); err != nil {
		return err
	}
	report, err := d.reap(ctx, base.ReapOptions{Logger: d.logger()})
	sweep, serr := d.docker.sweep(ctx)
	if errors.Is(serr, docker.ErrEngineUnavailable) {
		// No engine is not a failure of reap: there is nothing to sweep.
		d.logger().Debug("corral: container sweep", "err", serr)
		serr = nil
	}
	if report != nil {
		if sweep != nil && len(sweep.Removed) > 0 && len(report.Reaped) == 0 && len(report.SetAside) == 0 {
			report = nil // the containers' lines say it all
		}
	}
	if report != nil {
		if werr := writeReapReport(d.stdout, report); werr != nil && err == nil {
			err = werr
		}
	}
	if sweep != nil {
		if werr := writeSweepReport(d.stdout, sweep); werr != nil && err == nil {
			err = werr
		}
	}
	if err != nil {
		return fmt.Errorf("reap: %w", err)
	}
	if serr != nil {
		return fmt.Errorf("reap containers: %w", serr)
	}
	return nil
}

// writeReapReport prints one line per reaped tree and per set-aside
// record, or "nothing to reap".
func writeReapReport(w io.Writer, r *base.ReapReport) error {
	if len(r.Reaped) == 0 && len(r.SetAside) == 0 {
		_, err := fmt.Fprintln(w, "nothing to reap")
		return err
	}
	for _, t := range r.Reaped {
		name := t.Name
		if name == "" {
			name = "-" // a tree found without its record
		}
		if _, err := fmt.Fprintf(w, "reaped %s %s (%s, owner pid %d, %s stopped)\n",
			t.Tree, name, t.Containment, t.Owner, plural(t.Signalled, "process", "processes")); err != nil {
			return err
		}
	}
	for _, s := range r.SetAside {
		if _, err := fmt.Fprintf(w, "set aside %s: %s\n", s.File, s.Reason); err != nil {
			return err
		}
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
