package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/corralrun/corral/runners/base"
	"github.com/spf13/cobra"
)

type psOptions struct{}

func newPsCommand(d *deps) *cobra.Command {
	opts := &psOptions{}
	return &cobra.Command{
		Use:   "ps",
		Short: "List the live recorded trees with their state, CPU and memory",
		Long: `List the live recorded trees with their state, CPU and memory.
ps only observes: unlike other commands it does not reap first, so trees
left by dead corral processes are listed until a reap stops them.`,
		Args: noArgs,
		RunE: ranE(d, func(cmd *cobra.Command, _ []string) error {
			return runPs(cmd.Context(), d, opts)
		}),
	}
}

func runPs(ctx context.Context, d *deps, _ *psOptions) error {
	if err := checkCorralEnv("corral ps", os.Getenv); err != nil {
		return err
	}
	trees, err := d.listTrees(ctx)
	if err != nil {
		return fmt.Errorf("list trees: %w", err)
	}
	if err := writeTrees(d.stdout, trees, d.now()); err != nil {
		return err
	}
	containers, err := d.docker.list(ctx)
	if err != nil {
		// An engine that does not answer is reported, the trees were.
		d.logger().Warn("corral: list containers", "err", err)
		return nil
	}
	return writeContainers(d.stdout, containers, d.now())
}

// writeTrees prints trees as an aligned table, the header alone when
// there are none. CPU% is of one core since the tree started.
func writeTrees(w io.Writer, trees []base.TreeStatus, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TREE\tNAME\tPID\tSTATE\tCPU%\tMEM\tAGE\tCONTAINMENT")
	for _, t := range trees {
		pid := "-"
		if t.Leader > 0 {
			pid = strconv.Itoa(t.Leader)
		}
		age := "-"
		if !t.Started.IsZero() {
			age = humanAge(now.Sub(t.Started))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.1f\t%s\t%s\t%s\n",
			t.Tree, t.Name, pid, t.State, t.CPU, humanBytes(t.Memory), age, t.Containment)
	}
	return tw.Flush()
}
