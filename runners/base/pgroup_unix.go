//go:build unix

package base

import (
	"errors"
	"os"
	"syscall"
	"time"

	"github.com/corralrun/corral/internal/procfs"
	"github.com/corralrun/corral/internal/sys"
)

// pgroupTree is a tree held together by a process group, where no cgroup
// can be used. The group id is safe to signal as a whole while the leader
// is our unreaped child: its PID, hence the group id, cannot be recycled
// before we reap it, and the proc reaps it only after the tree is empty.
//
// Members that left the group (setsid, setpgid) are still found on Linux
// by the CORRAL_TREE variable they inherited, unless they cleared their
// environment; that is the documented limit of this containment.
type pgroupTree struct {
	id    string
	pgid  int
	start uint64 // the leader's start time: no member is older
}

func newPgroupTree(id string) *pgroupTree { return &pgroupTree{id: id} }

func (t *pgroupTree) kind() ContainmentKind       { return ContainmentPgroup }
func (t *pgroupTree) cgroupPath() string          { return "" }
func (t *pgroupTree) attr(a *syscall.SysProcAttr) { a.Setpgid = true }
func (t *pgroupTree) started(pid int) {
	t.pgid = pid
	t.start, _ = procfs.ChildStartTime(pid) // may already be a zombie
}
func (t *pgroupTree) create() error  { return nil }
func (t *pgroupTree) release() error { return nil }

func (t *pgroupTree) releaseIfEmpty() bool {
	empty, _ := t.empty()
	return empty
}

// kill sends SIGKILL to the tree in passes (killInPasses) until one that
// can vouch for its walk finds no member left.
func (t *pgroupTree) kill() error {
	return killInPasses(func() error { return t.signal(syscall.SIGKILL) }, func() bool {
		left, consistent := treeMembers(t.pgid, t.pgid, t.id, t.start)
		return consistent && len(left) == 0
	})
}

// killInPasses calls kill, then gone, again and again, a killPassPause
// apart, until gone reports the tree gone or killPassesFor has passed,
// and returns the last kill's error. One pass is not enough for a
// descendant that hops from PID to PID (forks a successor, exits): it can
// slip between a walk and its signal, not past every pass. Members still
// dying count as left, so the passes also last until the tree is dead,
// which the stop sequence then sees at once.
func killInPasses(kill func() error, gone func() bool) error {
	deadline := time.Now().Add(killPassesFor)
	for {
		err := kill()
		if gone() || time.Now().After(deadline) {
			return err
		}
		time.Sleep(killPassPause) // the killed die, their orphans settle
	}
}

// killPassPause spaces kill passes, so that members still dying do not
// make the passes spin.
const killPassPause = 2 * time.Millisecond

// killPassesFor bounds pgroupTree.kill's passes; the stop sequence's own
// wait after SIGKILL follows.
const killPassesFor = time.Second

func (t *pgroupTree) signal(sigs ...syscall.Signal) error {
	if t.pgid <= 0 {
		return nil
	}
	var errs []error
	for _, sig := range sigs {
		if err := syscall.Kill(-t.pgid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
			errs = append(errs, err)
		}
	}
	for _, pid := range escapedMembers(t.pgid, t.id, t.start) {
		for _, sig := range sigs {
			err := sys.SignalVerified(pid, sig, func() bool { return carriesTree(pid, t.id) && ownedBy(pid, os.Getuid()) })
			if err != nil && !errors.Is(err, sys.ErrNotOurs) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

func (t *pgroupTree) empty() (bool, error) {
	if t.pgid <= 0 {
		return true, nil
	}
	pids, consistent := treeMembers(t.pgid, t.pgid, t.id, t.start)
	return consistent && len(pids) == 0, nil
}
