package base

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// Bounds on waits that must end even when the kernel or a stray process
// misbehaves.
const (
	// killWait bounds the wait for a tree to vanish after SIGKILL.
	killWait = 2 * time.Second
	// drainWait bounds the wait for output to reach EOF once the tree is
	// gone: only a process outside the tree can hold the pipes open.
	drainWait = 5 * time.Second
)

// supervise owns the process from Start to its end: it waits for the
// leader to exit (without reaping it, so its PID and group id stay ours),
// stops what the leader left in its tree, reaps the leader, drains output,
// removes the containment and the record, then publishes the result and
// closes done. It is the only goroutine that reaps the leader.
func (proc *NativeProc) supervise(stopOnCancel func() bool) {
	proc.streams.start()
	pid := proc.cmd.Process.Pid
	if err := waitExited(pid); err != nil {
		proc.logger.Warn("corral: wait for leader", "pid", pid, "err", err)
	}
	proc.mu.Lock()
	proc.exited = true
	proc.mu.Unlock()

	// Removing an empty cgroup is the cheapest test of its emptiness.
	if !proc.tree.releaseIfEmpty() {
		proc.stopTree(proc.grace, proc.killed)
	}
	proc.sigMu.Lock()
	proc.reaped = true
	proc.sigMu.Unlock()
	waitErr := proc.cmd.Wait()

	proc.drain()
	stopOnCancel()
	if err := proc.tree.release(); err != nil {
		proc.logger.Warn("corral: release containment", "tree", proc.rec.Tree, "err", err)
	}
	if err := proc.store.remove(proc.rec.fileName()); err != nil {
		proc.logger.Warn("corral: remove record", "tree", proc.rec.Tree, "err", err)
	}

	proc.mu.Lock()
	switch {
	case proc.ctxErr != nil:
		proc.result = proc.ctxErr
	case proc.stopAsked:
		proc.result = nil
	case waitErr != nil:
		proc.result = exitErrorFrom(proc.rec.Name, waitErr)
	default:
		if err := proc.streams.lw.err(); err != nil {
			proc.result = fmt.Errorf("%s: output: %w", proc.rec.Name, err)
		}
	}
	proc.mu.Unlock()
	proc.env.track(proc, false)
	close(proc.done)
}

// drain waits for the output streams to end, for at most drainWait, then
// closes them.
func (proc *NativeProc) drain() {
	if len(proc.streams.readers) == 0 {
		return
	}
	t := time.NewTimer(drainWait)
	defer t.Stop()
	ended := proc.streams.wait()
	select {
	case <-ended:
	case <-t.C:
		proc.logger.Warn("corral: output still open after the tree ended; closing it", "tree", proc.rec.Tree)
		proc.streams.closeAll()
		<-ended
	}
	proc.streams.closeAll()
}

// signalTree sends sig to the tree unless the leader has been reaped:
// after that its group id could be recycled, and the tree is empty anyway.
func (proc *NativeProc) signalTree(sig syscall.Signal) {
	if err := proc.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		proc.logger.Warn("corral: signal tree", "tree", proc.rec.Tree, "signal", sig, "err", err)
	}
}

// terminate sends SIGTERM, then SIGCONT, as a shell does: a stopped
// process (Ctrl-Z, SIGSTOP) must run to act on SIGTERM within the grace
// period.
func (proc *NativeProc) terminate() {
	proc.termOnce.Do(func() {
		proc.signalTree(syscall.SIGTERM)
		proc.signalTree(syscall.SIGCONT)
	})
}

// Signal sends sig to every process of the tree, as long as the tree is
// ours to signal: after the leader was reaped, it does nothing and returns
// os.ErrProcessDone. It is what a job-control front end uses to continue
// (SIGCONT) or suspend (SIGTSTP) the whole tree.
func (proc *NativeProc) Signal(sig syscall.Signal) error {
	if !proc.started() {
		return ErrNotStarted
	}
	proc.sigMu.Lock()
	defer proc.sigMu.Unlock()
	if proc.reaped {
		return os.ErrProcessDone
	}
	if sig == syscall.SIGKILL {
		return proc.tree.kill()
	}
	return proc.tree.signal(sig)
}

func (proc *NativeProc) kill() {
	proc.killOnce.Do(func() {
		proc.signalTree(syscall.SIGKILL)
		close(proc.killed)
	})
}

// stopTree ends every process left in the tree: nothing when it is
// already empty, else SIGTERM, then SIGKILL after grace (or at once when
// hurry is closed), then a wait until it is empty.
func (proc *NativeProc) stopTree(grace time.Duration, hurry <-chan struct{}) {
	if proc.treeEmpty() {
		return
	}
	proc.terminate()
	if !proc.waitEmpty(grace, hurry) {
		proc.kill()
		if !proc.waitEmpty(killWait, nil) {
			proc.logger.Warn("corral: tree still running after SIGKILL", "tree", proc.rec.Tree)
		}
	}
}

func (proc *NativeProc) treeEmpty() bool {
	empty, err := proc.tree.empty()
	if err != nil {
		proc.logger.Warn("corral: read tree state", "tree", proc.rec.Tree, "err", err)
	}
	return empty
}

// waitEmpty polls until the tree is empty (true), or d has passed or hurry
// is closed (false). It polls because neither a process
// group nor, portably, a cgroup notifies its emptiness.
func (proc *NativeProc) waitEmpty(d time.Duration, hurry <-chan struct{}) bool {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	delay := 200 * time.Microsecond
	for {
		if proc.treeEmpty() {
			return true
		}
		tick := time.NewTimer(delay)
		select {
		case <-deadline.C:
			tick.Stop()
			return proc.treeEmpty()
		case <-hurry:
			tick.Stop()
			return proc.treeEmpty()
		case <-tick.C:
		}
		delay = min(2*delay, 10*time.Millisecond)
	}
}

// Stop sends SIGTERM to every process of the tree, waits up to the grace
// period for the tree to end, then SIGKILLs what is left, and returns once
// no process of the tree is left and output was delivered. If ctx ends
// during the grace period, Stop kills at once and still waits, at most
// about two seconds, for the tree to vanish. Stop is idempotent and safe
// for concurrent use; before Start it makes a later Start fail with
// ErrStopped. A process stopped by Stop ends without error: Run and Wait
// return nil.
func (proc *NativeProc) Stop(ctx context.Context) error {
	proc.mu.Lock()
	switch proc.state {
	case stateNew:
		proc.state = stateStoppedEarly
		proc.closeParentEnds()
		proc.mu.Unlock()
		return nil
	case stateStoppedEarly:
		proc.mu.Unlock()
		return nil
	}
	if !proc.exited {
		proc.stopAsked = true
	}
	proc.mu.Unlock()
	return proc.stop(ctx)
}

func (proc *NativeProc) stop(ctx context.Context) error {
	select {
	case <-proc.done:
		return nil
	default:
	}
	proc.terminate()
	grace := time.NewTimer(proc.grace)
	select {
	case <-proc.done:
		grace.Stop()
		return nil
	case <-grace.C:
	case <-ctx.Done():
		grace.Stop()
	}
	proc.kill()
	bound := time.NewTimer(killWait + drainWait)
	defer bound.Stop()
	select {
	case <-proc.done:
		return nil
	case <-bound.C:
		return fmt.Errorf("stop %s: %w", proc.rec.Name, errTreeSurvived)
	}
}

// stopForContext runs when the start context ends: it stops the tree as
// Stop does, grace period included, and the process's result becomes the
// context's error.
func (proc *NativeProc) stopForContext(ctx context.Context) {
	proc.mu.Lock()
	if !proc.exited {
		proc.ctxErr = ctx.Err()
	}
	proc.mu.Unlock()
	proc.stop(context.Background())
}

// Wait blocks until the process has ended and its output was delivered,
// or ctx is done (then it returns ctx.Err() and the process keeps
// running). Every caller gets the same result as Run. Before Start it
// returns ErrNotStarted.
func (proc *NativeProc) Wait(ctx context.Context) error {
	if !proc.started() {
		return ErrNotStarted
	}
	select {
	case <-proc.done:
		return proc.result
	case <-ctx.Done():
		return ctx.Err()
	}
}

// started reports whether Start succeeded.
func (proc *NativeProc) started() bool {
	proc.mu.Lock()
	defer proc.mu.Unlock()
	return proc.state == stateRunning
}
