package docker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/corralrun/corral/internal/records"
)

// SweepReport is what ReapStaleContainers did.
type SweepReport struct {
	// Endpoint is the engine swept; zero when none was found.
	Endpoint Endpoint
	// NoEngine is true when the endpoint is a unix socket that does not
	// exist: nothing was asked, nothing done.
	NoEngine bool
	// Removed are the containers removed, with why.
	Removed []SweptContainer
	// Kept is the number of corral containers left alone (owner alive, or
	// persistent and running, or an owner this machine cannot judge).
	Kept int
}

// SweptContainer is one container the sweep removed.
type SweptContainer struct {
	ID, Name, Image string
	// Reason: "ephemeral, owner pid N dead", "stopped, owner pid N dead".
	Reason string
}

// verdict is the sweep's decision about one container.
type verdict int

const (
	keep verdict = iota
	remove
)

// decideContainer is the whole sweep policy, as a pure function. A
// container without our labels, or whose owner labels do not parse, is
// never touched. An owner in another PID namespace cannot be judged from
// here: kept. An owner of another boot is dead (a reboot ends every
// process); on this boot, dead means no process with that PID and start
// time (so a recycled PID does not keep a container alive). A dead owner's
// ephemeral containers go, running or not; its stopped ones go; its
// persistent running ones stay for reuse.
func decideContainer(lb labelled, ours bool, running bool, self owner, selfNS uint64, alive func(owner) bool) (verdict, string) {
	switch {
	case !ours:
		return keep, "not corral's"
	case !lb.OK:
		return keep, "owner labels malformed"
	case lb.OwnerNS != 0 && selfNS != 0 && lb.OwnerNS != selfNS && lb.Owner.Boot == self.Boot:
		return keep, "owner in another PID namespace"
	}
	if lb.Owner.Boot == self.Boot && alive(lb.Owner) {
		return keep, "owner alive"
	}
	why := fmt.Sprintf("owner pid %d dead", lb.Owner.PID)
	if lb.Owner.Boot != self.Boot {
		why = fmt.Sprintf("owner pid %d of another boot", lb.Owner.PID)
	}
	switch {
	case lb.Ephemeral:
		return remove, "ephemeral, " + why
	case !running:
		return remove, "stopped, " + why
	}
	return keep, "persistent and running, " + why
}

// ReapStaleContainers removes the containers corral made whose owner is
// dead: ephemeral ones whatever their state, and stopped ones; persistent
// running ones are kept for reuse. It never touches a container without
// corral's labels. On a machine without an engine socket it returns at
// once (NoEngine, nil error), so every corral command can call it; an
// engine that does not answer is an *EngineError. Removal errors are
// joined and returned with the report of what was done.
func ReapStaleContainers(ctx context.Context) (*SweepReport, error) {
	return reapWith(ctx, slog.Default())
}

func reapWith(ctx context.Context, logger *slog.Logger) (*SweepReport, error) {
	e, err := newEngine(ctx, false)
	var ee *EngineError
	if errors.As(err, &ee) && errors.Is(ee.Err, errNoSocket) {
		return &SweepReport{Endpoint: ee.Endpoint, NoEngine: true}, nil
	}
	if err != nil {
		return &SweepReport{}, err
	}
	defer e.close()
	if err := e.ping(ctx); err != nil {
		return &SweepReport{Endpoint: e.endpoint}, err
	}
	return e.sweep(ctx, logger)
}

func (e *engine) sweep(ctx context.Context, logger *slog.Logger) (*SweepReport, error) {
	rep := &SweepReport{Endpoint: e.endpoint}
	self, err := selfOwner()
	if err != nil {
		return rep, err
	}
	list, err := e.listOurs(ctx)
	if err != nil {
		return rep, err
	}
	alive := func(o owner) bool { return ownerAlive(o, self.Boot) }
	var errs []error
	for _, c := range list {
		lb, ours := parseLabels(c.Labels)
		v, why := decideContainer(lb, ours, c.State == container.StateRunning, self, records.PIDNamespace(), alive)
		if v == keep {
			rep.Kept++
			continue
		}
		if err := e.remove(ctx, c.ID); err != nil {
			errs = append(errs, err)
			continue
		}
		name := containerName(c.Names)
		logger.Info("docker: reaped container", "container", name, "id", shortID(c.ID), "reason", why)
		rep.Removed = append(rep.Removed, SweptContainer{ID: c.ID, Name: name, Image: c.Image, Reason: why})
	}
	return rep, errors.Join(errs...)
}

// listOurs lists every container, running or not, that carries corral's
// label.
func (e *engine) listOurs(ctx context.Context) ([]container.Summary, error) {
	res, err := e.api.ContainerList(ctx, client.ContainerListOptions{
		All: true, Filters: client.Filters{}.Add("label", labelManaged+"=1"),
	})
	if err != nil {
		return nil, e.apiError("list containers", err)
	}
	return res.Items, nil
}

func containerName(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return strings.TrimPrefix(names[0], "/")
}
