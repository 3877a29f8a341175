package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/corralrun/corral/runners/docker"
)

// dockerDeps are the Docker backend's calls the commands make; tests
// replace them.
type dockerDeps struct {
	sweep func(ctx context.Context) (*docker.SweepReport, error)
	list  func(ctx context.Context) ([]docker.ContainerStatus, error)
}

func defaultDockerDeps() dockerDeps {
	return dockerDeps{sweep: docker.ReapStaleContainers, list: docker.ListContainers}
}

// sweepBound bounds the container sweep a command runs before its own
// work: an engine that hangs must not hold every command.
const sweepBound = 3 * time.Second

// sweepContainersFirst removes the containers of dead owners, as every
// command that starts something does first. Without an engine socket it
// costs microseconds; with an engine, one ping and one list. A failure is
// a debug line, never the command's failure (no engine is the normal case
// on many machines).
func (d *deps) sweepContainersFirst(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, sweepBound)
	defer cancel()
	rep, err := d.docker.sweep(ctx)
	if err != nil {
		d.logger().Debug("corral: container sweep", "err", err)
	}
	if rep != nil {
		for _, c := range rep.Removed {
			d.logger().Info("corral: removed orphaned container", "container", c.Name, "reason", c.Reason)
		}
	}
}

// writeSweepReport prints one line per removed container.
func writeSweepReport(w io.Writer, r *docker.SweepReport) error {
	for _, c := range r.Removed {
		if _, err := fmt.Fprintf(w, "removed container %s %s (%s)\n", c.Name, shortContainerID(c.ID), c.Reason); err != nil {
			return err
		}
	}
	return nil
}

// writeContainers prints corral's containers as a table after a blank
// line; nothing when there are none.
func writeContainers(w io.Writer, cs []docker.ContainerStatus, now time.Time) error {
	if len(cs) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "CONTAINER\tNAME\tIMAGE\tSTATE\tAGE\tOWNER\tKIND")
	for _, c := range cs {
		kind := "persistent"
		if c.Ephemeral {
			kind = "ephemeral"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", shortContainerID(c.ID), c.Name, c.Image, c.State, humanAge(now.Sub(c.Created)), ownerText(c.OwnerPID, c.OwnerAlive), kind)
	}
	return tw.Flush()
}

// writeDockerBackend is doctor's docker line: the engine, where and why
// there, its version and the API version spoken; or how to fix it.
func writeDockerBackend(ctx context.Context, w io.Writer, engine func(context.Context) (*docker.EngineInfo, error)) {
	ctx, cancel := context.WithTimeout(ctx, sweepBound)
	defer cancel()
	info, err := engine(ctx)
	if err != nil {
		fmt.Fprintf(w, "docker\tmissing\t%s\n", strings.TrimPrefix(err.Error(), "docker: "))
		return
	}
	fmt.Fprintf(w, "docker\tusable\t%s at %s (%s), API %s\n", info.Server, info.Endpoint.Host, info.Endpoint.Source, info.API)
}

func shortContainerID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
