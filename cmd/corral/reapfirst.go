package main

import (
	"context"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/corralrun/corral/runners/base"
)

// reapFirst reaps what dead corral processes left behind, as every
// command but port, doctor and ps does before its own work, without
// making the command wait for a stale tree's grace period: the command
// waits for the reap at most reapHeadStart (enough for a tree that obeys
// its stop signal to be gone, and what it held to be free), then runs
// beside it, and for each stale tree it has to stop, one line on
// stderr (a warning, so shown at the default level) says so. The
// returned function is called once the command is done: if the reap is
// still stopping a tree then, it hands the rest to a detached `corral
// reap` (which waits for this corral's reap lock, then starts over with
// the stop signal, so the tree gets at least its whole grace) and returns
// at once; otherwise the reap only reads records, and it waits for it at
// most reapTail (longer, it is waiting for the lock of another reaper,
// such as a guardian stopping a tree, which does the work). A failing
// reap is a warning, never the command's failure.
func (d *deps) reapFirst(ctx context.Context) (finish func()) {
	done := make(chan struct{})
	stopping := make(chan struct{}) // closed once the reap stops a tree
	var once sync.Once
	logger := d.logger()
	say := func(t base.StoppingTree) {
		logger.Warn("corral: stopping a tree left behind by a dead corral; this command does not wait for its grace period",
			"tree", t.Tree, "name", t.Name, "owner", t.Owner, "processes", t.Processes, "grace", t.Grace)
		once.Do(func() { close(stopping) })
	}
	go func() {
		defer close(done)
		d.sweepContainersFirst(ctx)
		report, err := d.reap(ctx, base.ReapOptions{Logger: logger, Stopping: say})
		if err != nil {
			logger.Warn("corral: reap before start failed", "err", err)
			return
		}
		if report != nil {
			for _, t := range report.Reaped {
				logger.Info("corral: reaped orphaned tree", "tree", t.Tree, "name", t.Name, "owner", t.Owner, "stopped", t.Signalled)
			}
		}
	}()
	// A stale tree that obeys its stop signal is usually gone within
	// milliseconds: give the reap a head start, so that what the old
	// tree held (a port, a lock file) is free before the new command
	// starts; past it, the command starts beside the stop.
	head := time.NewTimer(reapHeadStart)
	select {
	case <-done:
	case <-head.C:
	}
	head.Stop()
	return func() {
		select {
		case <-done:
			return
		default:
		}
		quick := time.NewTimer(reapTail)
		defer quick.Stop()
		select {
		case <-done: // reading records only: quick
			return
		case <-quick.C:
			// Still waiting for the reap lock: another reaper (a
			// guardian, another command) holds it and does the work.
			logger.Debug("corral: reap still waiting for the lock; left to its holder")
			return
		case <-stopping:
		}
		pid, err := d.handOffReap()
		if err != nil {
			logger.Warn("corral: could not hand the stale tree's stop to a background reap; the next corral command will finish it", "err", err)
			return
		}
		logger.Info("corral: the stale tree's stop goes on in the background", "pid", pid)
	}
}

// reapHeadStart is how long a command waits for the reap before it
// starts beside it.
const reapHeadStart = time.Second

// reapTail is how long a finished command waits for a reap that is not
// stopping anything: one that only reads records is done in milliseconds,
// one still waiting for the reap lock is left to the lock's holder.
const reapTail = 200 * time.Millisecond

// handOffReap starts `corral reap` detached: a session of its own, so
// that nothing sent to this terminal's groups reaches it, and no standard
// file. It waits for this corral's reap lock, then stops what is left.
func (d *deps) handOffReap() (int, error) {
	if d.detachedReap != nil {
		return d.detachedReap()
	}
	self, err := os.Executable()
	if err != nil {
		return 0, err
	}
	cmd := exec.Command(self, "reap")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	pid := cmd.Process.Pid
	go cmd.Wait() // no zombie should this corral live on
	return pid, nil
}
