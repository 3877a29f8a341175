package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/corralrun/corral/runners/base"
	"github.com/corralrun/corral/runners/docker"
	"github.com/spf13/cobra"
)

type psOptions struct {
	json bool
}

func newPsCommand(d *deps) *cobra.Command {
	opts := &psOptions{}
	cmd := &cobra.Command{
		Use:   "ps [--json]",
		Short: "List the recorded trees and containers: owner alive or orphaned, state, CPU and memory",
		Long: `List the recorded trees whose processes still run, then corral's containers.
ps only observes: unlike other commands it does not reap first, so a tree
whose corral is gone (an orphan) is listed, marked "orphaned" in OWNER,
until 'corral reap' (or any command that reaps first) stops it.

Table columns: TREE the tree's id; NAME the executable's base name; OWNER
the PID of the corral that started it, "alive" or "orphaned"; PID the
leader (its lowest member once the leader is gone); PROCS its live
processes; STATE the leader's; CPU% of one core, over the tree's members,
since the leader started; MEM their resident memory; AGE since the tree
was recorded; CONTAINMENT cgroup or pgroup.

--json prints one JSON object instead (schema below); fields are never
renamed, new ones may be added:

  {"trees": [...], "containers": [...]}   both arrays, empty rather than null
  tree:
    "tree"          string   the tree's id
    "name"          string   the executable's base name (never arguments)
    "owner_pid"     number   PID of the corral process that started it
    "owner_alive"   bool     false for an orphan: its owner is gone and
                             'corral reap' stops it (an owner in another
                             PID namespace cannot be judged: true)
    "leader_pid"    number   the leader, its lowest member once the leader
                             is gone; 0 when unknown
    "processes"     number   live processes of the tree
    "state"         string   the leader's state: Running,
                             InterruptibleSleep, UninterruptibleSleep,
                             Stopped, Zombie, NotFound, Unknown, …
    "cpu_percent"   number   percent of one core used by the tree's
                             processes (user+system) since the leader
                             started
    "memory_bytes"  number   resident memory of the tree's processes
    "started"       string   RFC 3339 time the tree was recorded; absent
                             when unknown
    "age_seconds"   number   whole seconds since "started"; absent with it
    "containment"   string   "cgroup" or "pgroup"
    "cgroup"        string   the tree's cgroup directory; absent for pgroup
  container:
    "id", "name", "image", "state" (the engine's: running, exited, …)
                    string
    "created"       string   RFC 3339
    "owner_pid"     number   PID of the corral that labelled it
    "owner_alive"   bool     false when that corral is gone
    "ephemeral"     bool     removed once its command ends (or its owner
                             is gone); false for persistent ones`,
		Args: noArgs,
		RunE: ranE(d, func(cmd *cobra.Command, _ []string) error {
			return runPs(cmd.Context(), d, opts)
		}),
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, "print one JSON object (schema in --help)")
	return cmd
}

func runPs(ctx context.Context, d *deps, opts *psOptions) error {
	if err := checkCorralEnv("corral ps", os.Getenv); err != nil {
		return err
	}
	trees, err := d.listTrees(ctx)
	if err != nil {
		return fmt.Errorf("list trees: %w", err)
	}
	containers, cerr := d.docker.list(ctx)
	if cerr != nil {
		// An engine that does not answer is reported, the trees are.
		d.logger().Warn("corral: list containers", "err", cerr)
	}
	if opts.json {
		return writePsJSON(d.stdout, trees, containers, d.now())
	}
	if err := writeTrees(d.stdout, trees, d.now()); err != nil {
		return err
	}
	return writeContainers(d.stdout, containers, d.now())
}

// writeTrees prints trees as an aligned table, the header alone when
// there are none, then, when some are orphaned, a line saying how to stop
// them. CPU% is of one core since the tree started.
func writeTrees(w io.Writer, trees []base.TreeStatus, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TREE\tNAME\tOWNER\tPID\tPROCS\tSTATE\tCPU%\tMEM\tAGE\tCONTAINMENT")
	orphans := 0
	for _, t := range trees {
		pid := "-"
		if t.Leader > 0 {
			pid = strconv.Itoa(t.Leader)
		}
		age := "-"
		if !t.Started.IsZero() {
			age = humanAge(now.Sub(t.Started))
		}
		if !t.OwnerAlive {
			orphans++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%.1f\t%s\t%s\t%s\n",
			t.Tree, t.Name, ownerText(t.Owner, t.OwnerAlive), pid, t.Processes, t.State, t.CPU, humanBytes(t.Memory), age, t.Containment)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if orphans == 0 {
		return nil
	}
	what := "1 orphaned tree (its corral is gone): 'corral reap' stops it."
	if orphans > 1 {
		what = fmt.Sprintf("%d orphaned trees (their corral is gone): 'corral reap' stops them.", orphans)
	}
	_, err := fmt.Fprintf(w, "\n%s\n", what)
	return err
}

// ownerText is an OWNER cell: the owner's PID, alive or orphaned.
func ownerText(pid int, alive bool) string {
	if alive {
		return strconv.Itoa(pid) + " alive"
	}
	return strconv.Itoa(pid) + " orphaned"
}

// psJSON is what `corral ps --json` prints; its schema is documented in
// the command's long help, and field names never change.
type psJSON struct {
	Trees      []treeJSON      `json:"trees"`
	Containers []containerJSON `json:"containers"`
}

type treeJSON struct {
	Tree        string  `json:"tree"`
	Name        string  `json:"name"`
	OwnerPID    int     `json:"owner_pid"`
	OwnerAlive  bool    `json:"owner_alive"`
	LeaderPID   int     `json:"leader_pid"`
	Processes   int     `json:"processes"`
	State       string  `json:"state"`
	CPUPercent  float64 `json:"cpu_percent"`
	MemoryBytes uint64  `json:"memory_bytes"`
	Started     string  `json:"started,omitempty"`
	AgeSeconds  *int64  `json:"age_seconds,omitempty"`
	Containment string  `json:"containment"`
	Cgroup      string  `json:"cgroup,omitempty"`
}

type containerJSON struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Image      string `json:"image"`
	State      string `json:"state"`
	Created    string `json:"created"`
	OwnerPID   int    `json:"owner_pid"`
	OwnerAlive bool   `json:"owner_alive"`
	Ephemeral  bool   `json:"ephemeral"`
}

// writePsJSON prints trees and containers as one indented JSON object.
func writePsJSON(w io.Writer, trees []base.TreeStatus, containers []docker.ContainerStatus, now time.Time) error {
	out := psJSON{Trees: make([]treeJSON, 0, len(trees)), Containers: make([]containerJSON, 0, len(containers))}
	for _, t := range trees {
		tj := treeJSON{
			Tree: t.Tree, Name: t.Name, OwnerPID: t.Owner, OwnerAlive: t.OwnerAlive, LeaderPID: t.Leader,
			Processes: t.Processes, State: t.State.String(), CPUPercent: t.CPU, MemoryBytes: t.Memory,
			Containment: string(t.Containment), Cgroup: t.Cgroup,
		}
		if !t.Started.IsZero() {
			tj.Started = t.Started.UTC().Format(time.RFC3339)
			age := max(int64(now.Sub(t.Started)/time.Second), 0)
			tj.AgeSeconds = &age
		}
		out.Trees = append(out.Trees, tj)
	}
	for _, c := range containers {
		out.Containers = append(out.Containers, containerJSON{
			ID: c.ID, Name: c.Name, Image: c.Image, State: c.State, Created: c.Created.UTC().Format(time.RFC3339),
			OwnerPID: c.OwnerPID, OwnerAlive: c.OwnerAlive, Ephemeral: c.Ephemeral,
		})
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}
