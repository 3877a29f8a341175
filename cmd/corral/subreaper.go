package main

import (
	"errors"
	"log/slog"

	"github.com/corralrun/corral/internal/sys"
	"github.com/corralrun/corral/runners/base"
)

// orphanReaper is how `corral run` keeps what its command orphans: with
// process-group containment, corral becomes a child subreaper
// (PR_SET_CHILD_SUBREAPER, Linux only) so that a double-forked descendant
// is re-parented to corral rather than to init, reaps those adopted
// orphans when they exit, and kills those still alive once the tree is
// done, including one that cleared its environment and left the group,
// which nothing else could find. It never reaps the command's leader: the
// library waits for it, and reaping it behind the library's back would
// let its PID, the group id, be recycled while the tree is signalled.
//
// A cgroup holds the whole tree without help; on other platforms there is
// no subreaper, and orphans go to init as usual.
type orphanReaper struct {
	logger  *slog.Logger
	enabled bool
	quit    chan struct{}
	done    chan struct{}
}

// adoptOrphans makes corral a subreaper when c is process-group
// containment and the platform allows it. Call it before the command
// starts, so that no orphan escapes to init in between.
func adoptOrphans(c base.Containment, logger *slog.Logger) *orphanReaper {
	r := &orphanReaper{logger: logger}
	if c.Kind != base.ContainmentPgroup {
		return r
	}
	if err := sys.SetSubreaper(true); err != nil {
		if !errors.Is(err, errors.ErrUnsupported) {
			logger.Warn("corral: cannot become a child subreaper; orphans of the command go to init", "err", err)
		}
		return r
	}
	r.enabled = true
	return r
}

// reapFor starts reaping adopted orphans, every child of corral but
// leader. Call it once the leader's PID is known.
func (r *orphanReaper) reapFor(leader int) {
	if !r.enabled || leader <= 0 {
		return
	}
	r.quit = make(chan struct{})
	r.done = make(chan struct{})
	go r.loop(leader)
}

// stop ends the reaping: it kills the adopted orphans still alive (see
// killOrphans), reaps them and ends subreaping. Call it once the tree has
// been waited for.
func (r *orphanReaper) stop() {
	if !r.enabled {
		return
	}
	if r.quit != nil {
		r.killOrphans()
		close(r.quit)
		<-r.done
	}
	if err := sys.SetSubreaper(false); err != nil {
		r.logger.Debug("corral: end child subreaping", "err", err)
	}
	r.enabled = false
}
