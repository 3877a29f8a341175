package base

import (
	"errors"
	"os"
	"syscall"
	"time"

	"github.com/corralrun/corral/internal/cgroup"
	"github.com/corralrun/corral/internal/procfs"
	"github.com/corralrun/corral/internal/records"
	"github.com/corralrun/corral/internal/sys"
)

func pathExists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// cgroupTarget is a cgroup tree: its members are its cgroup's processes.
type cgroupTarget struct{ path string }

func (t cgroupTarget) members() []int {
	pids, _ := cgroup.Procs(t.path)
	return pids
}
func (t cgroupTarget) signal(sig syscall.Signal) error { return cgroup.Signal(t.path, sig) }
func (t cgroupTarget) kill() error                     { return cgroup.Kill(t.path) }
func (t cgroupTarget) release() error                  { return cgroup.Remove(t.path) }

// pgroupTarget is a process-group tree seen from outside. For a tree
// corral started, its members are the processes carrying its CORRAL_TREE
// value, wherever they went. For a WritePgidFile record, they are the
// processes of the leader's group, and only while the leader itself still
// runs with the recorded start time: without it, the group id could have
// been recycled, and nothing proves the group is ours. Either way a member
// must run as the record's user, unless that user is root (see ownedBy).
type pgroupTarget struct {
	rec     *records.Record
	known   []int // CORRAL_TREE carriers found by the pass's scan
	fresh   bool  // known is stale: the next members() scans every process
	settle  bool  // take a last look at a young tree that shows no process
	settled bool  // that last look was taken
	// indexOnly trusts the pass's walk alone, for a listing that only
	// shows: no walk of its own per tree.
	indexOnly bool
}

func newPgroupTarget(rec *records.Record, env *treeEnvIndex) *pgroupTarget {
	t := &pgroupTarget{rec: rec}
	if env != nil {
		t.known = env.pids[rec.Tree]
	}
	return t
}

func (t *pgroupTarget) isOurs(pid int) bool {
	if !t.rec.External {
		return carriesTree(pid, t.rec.Tree) && ownedBy(pid, t.rec.UID)
	}
	st, err := procfs.InfoOf(pid)
	if err != nil || st.UID != t.rec.UID {
		return false
	}
	return st.PGID == t.rec.Leader.PID && st.Start >= t.rec.Leader.Start && t.rec.Leader.Alive()
}

// members lists the tree's processes. The first call uses the pass's
// scan when it found someone; every other call scans every process again,
// so that a child forked after the pass's scan (the tree may still be
// starting, its leader already gone) is found before the tree is declared
// gone.
func (t *pgroupTarget) members() []int {
	if t.rec.External {
		if !t.rec.Leader.Alive() {
			return nil
		}
		return t.ours(procfs.GroupMembers(t.rec.Leader.PID, 0))
	}
	if !t.fresh || t.indexOnly {
		t.fresh = true
		if pids := t.ours(t.known); len(pids) > 0 || t.indexOnly {
			return pids
		}
	}
	pids := t.ours(escapedMembers(0, t.rec.Tree, t.rec.Owner.Start))
	if len(pids) == 0 && t.settle && !t.settled && time.Since(t.rec.Created) < time.Second {
		// A child forked by an owner killed at that moment shows its
		// CORRAL_TREE only once it has exec'd: look once more, shortly.
		t.settled = true
		time.Sleep(settleDelay)
		pids = t.ours(escapedMembers(0, t.rec.Tree, t.rec.Owner.Start))
	}
	return pids
}

// settleDelay is how long the reaper waits before its last look at a
// young process-group tree that shows no process: far longer than the
// microseconds between fork and exec.
const settleDelay = 50 * time.Millisecond

// ours keeps the pids that pass isOurs.
func (t *pgroupTarget) ours(pids []int) []int {
	out := pids[:0:0]
	for _, pid := range pids {
		if t.isOurs(pid) {
			out = append(out, pid)
		}
	}
	return out
}

func (t *pgroupTarget) signal(sig syscall.Signal) error {
	var errs []error
	for _, pid := range t.members() {
		err := sys.SignalVerified(pid, sig, func() bool { return t.isOurs(pid) })
		if err != nil && !errors.Is(err, sys.ErrNotOurs) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// kill sends SIGKILL in passes until no member is found (killInPasses).
func (t *pgroupTarget) kill() error {
	return killInPasses(func() error { return t.signal(syscall.SIGKILL) }, func() bool { return len(t.members()) == 0 })
}

func (t *pgroupTarget) release() error { return nil }

// needsEnvIndex reports whether any stale record is found by CORRAL_TREE.
func needsEnvIndex(recs []*records.Record) bool {
	for _, r := range recs {
		if r.Containment == ContainmentPgroup && !r.External {
			return true
		}
	}
	return false
}

var errNoProcess = errors.New("no such process")
