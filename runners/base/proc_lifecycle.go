package base

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/corralrun/corral/internal/cgroup"
	"github.com/corralrun/corral/internal/stop"
	"github.com/corralrun/corral/internal/sys"
)

// Bounds on waits that must end even when the kernel or a stray process
// misbehaves.
const (
	// killWait bounds the wait for a tree to vanish after SIGKILL.
	killWait = stop.DefaultKillWait
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
	proc.streams.Start()
	pid := proc.cmd.Process.Pid
	if err := sys.WaitExited(pid); err != nil {
		proc.logger.Warn("corral: wait for leader", "pid", pid, "err", err)
	}
	proc.mu.Lock()
	proc.exited = true
	proc.mu.Unlock()

	// Removing an empty cgroup is the cheapest test of its emptiness.
	if !proc.tree.releaseIfEmpty() {
		// Whatever the leader left running: the stop sequence, hurried
		// by a Stop that kills meanwhile.
		if err := proc.seq.Run(context.Background(), stop.Wait{}); errors.Is(err, stop.ErrSurvived) {
			proc.logger.Warn("corral: tree still running after SIGKILL", "tree", proc.rec.Tree)
		}
	}
	if err := proc.seq.Err(); err != nil {
		proc.logger.Warn("corral: stop tree", "tree", proc.rec.Tree, "err", err)
	}
	proc.sigMu.Lock()
	proc.reaped = true
	proc.sigMu.Unlock()
	waitErr := proc.cmd.Wait()

	proc.seq.Close()
	proc.drain()
	stopOnCancel()
	if err := proc.tree.release(); err != nil {
		proc.logger.Warn("corral: release containment", "tree", proc.rec.Tree, "err", err)
	}
	if err := proc.store.Remove(proc.rec.FileName()); err != nil {
		proc.logger.Warn("corral: remove record", "tree", proc.rec.Tree, "err", err)
	}
	proc.unguard() // after the record: a guardian outlives every record it covers

	proc.mu.Lock()
	switch {
	case proc.ctxErr != nil:
		proc.result = proc.ctxErr
	case proc.stopAsked:
		proc.result = nil
	case waitErr != nil:
		proc.result = exitErrorFrom(proc.rec.Name, waitErr)
	default:
		if err := proc.streams.Writer().Err(); err != nil {
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
	if proc.streams.Len() == 0 {
		return
	}
	t := time.NewTimer(drainWait)
	defer t.Stop()
	ended := proc.streams.Done()
	select {
	case <-ended:
	case <-t.C:
		proc.logger.Warn("corral: output still open after the tree ended; closing it", "tree", proc.rec.Tree)
		proc.streams.CloseAll()
		<-ended
	}
	proc.streams.CloseAll()
}

// Signal sends sig to every process of the tree, as long as the tree is
// ours to signal: after the leader was reaped, it does nothing and returns
// os.ErrProcessDone. It is what a job-control front end uses to continue
// (SIGCONT) or suspend (SIGTSTP) the whole tree.
func (proc *NativeProc) Signal(sig syscall.Signal) error {
	return proc.signal(sig)
}

// signal sends each of sigs, in order, to every process of the tree, in
// one pass, under Signal's rule.
func (proc *NativeProc) signal(sigs ...syscall.Signal) error {
	if !proc.started() {
		return ErrNotStarted
	}
	proc.sigMu.Lock()
	defer proc.sigMu.Unlock()
	if proc.reaped {
		return os.ErrProcessDone
	}
	if len(sigs) == 1 && sigs[0] == syscall.SIGKILL {
		return proc.tree.kill()
	}
	return proc.tree.signal(sigs...)
}

// treeTarget is the tree as the stop sequence sees it: signals go
// through Signal, so none reaches the group once the leader was reaped.
type treeTarget struct{ proc *NativeProc }

func (t treeTarget) Signal(sig syscall.Signal) error { return ignoreDone(t.proc.Signal(sig)) }
func (t treeTarget) Kill() error                     { return ignoreDone(t.proc.Signal(syscall.SIGKILL)) }
func (t treeTarget) Empty() (bool, error)            { return t.proc.tree.empty() }

// Terminate sends sig and SIGCONT in one pass over the tree.
func (t treeTarget) Terminate(sig syscall.Signal) error {
	return ignoreDone(t.proc.signal(sig, syscall.SIGCONT))
}

// Watch wakes the stop sequence when the tree may have emptied: a
// cgroup's events, or the exits of a process group's members.
func (t treeTarget) Watch() (<-chan struct{}, func(), error) {
	switch tr := t.proc.tree.(type) {
	case *pgroupTree:
		return tr.watch()
	}
	if p := t.proc.tree.cgroupPath(); p != "" {
		return cgroup.Watch(p)
	}
	return nil, nil, errors.ErrUnsupported
}

// ignoreDone drops os.ErrProcessDone: a tree already reaped has nothing
// left to signal.
func ignoreDone(err error) error {
	if errors.Is(err, os.ErrProcessDone) {
		return nil
	}
	return err
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

// StopWithSignal is Stop with sig sent first instead of the
// environment's stop signal, unless the stop has begun already: what a
// front end such as `corral run` uses to pass on the signal it received
// (SIGINT reaches the tree as SIGINT). The grace period and SIGKILL
// follow as for Stop.
func (proc *NativeProc) StopWithSignal(ctx context.Context, sig syscall.Signal) error {
	if proc.started() {
		proc.seq.SetSignal(sig)
	}
	return proc.Stop(ctx)
}

func (proc *NativeProc) stop(ctx context.Context) error {
	err := proc.seq.Run(ctx, stop.Wait{Done: proc.done, KillWait: killWait + drainWait})
	if errors.Is(err, stop.ErrSurvived) {
		return fmt.Errorf("stop %s: %w", proc.rec.Name, err)
	}
	return nil // signal errors are logged once, when the tree ends
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
