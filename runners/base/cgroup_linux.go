package base

import (
	"errors"
	"fmt"
	"sync"
	"syscall"

	"github.com/corralrun/corral/internal/cgroup"
	"golang.org/x/sys/unix"
)

// probeContainment runs the cgroup probe, or reads its cached answer,
// once per process.
var probeContainment = sync.OnceValue(func() Containment {
	p := cachedProbe()
	if p.Where == "" {
		return Containment{Kind: ContainmentPgroup, Reason: p.Reason}
	}
	return Containment{Kind: ContainmentCgroup, Where: p.Where, Reason: p.Reason}
})

// isTreeCgroup reports whether path is the cgroup corral created for tree
// id (see cgroup.IsTree).
func isTreeCgroup(path, id string) bool { return cgroup.IsTree(path, id, probeContainment().Where) }

// cgroupTree is a tree held in a cgroup v2 directory of its own. The child
// is cloned straight into it (CLONE_INTO_CGROUP), so no instruction of the
// program runs outside, and every descendant, whatever it does with
// sessions or process groups, stays inside.
type cgroupTree struct {
	path     string
	pgid     int // the leader's group, once started
	fd       int
	released bool // removed by releaseIfEmpty
}

// newCgroupTree returns the tree cgroup at path, not yet created.
func newCgroupTree(path string) *cgroupTree {
	return &cgroupTree{path: path, fd: -1}
}

// create makes the tree's cgroup and marks it with the tree id.
func (t *cgroupTree) create() error {
	fd, err := cgroup.Create(t.path)
	if err != nil {
		return err
	}
	t.fd = fd
	if err := cgroup.Mark(t.path); err != nil {
		t.release()
		return fmt.Errorf("mark cgroup: %w", err)
	}
	return nil
}

func (t *cgroupTree) kind() ContainmentKind { return ContainmentCgroup }
func (t *cgroupTree) cgroupPath() string    { return t.path }

func (t *cgroupTree) attr(a *syscall.SysProcAttr) {
	a.Setpgid = true
	a.UseCgroupFD = true
	a.CgroupFD = t.fd
}

func (t *cgroupTree) started(pid int) {
	t.pgid = pid
	t.closeFD()
}

func (t *cgroupTree) closeFD() {
	if t.fd >= 0 {
		unix.Close(t.fd)
		t.fd = -1
	}
}

// signal sends sigs to the leader's process group as a whole, which is
// safe since it is called only while the leader is unreaped (NativeProc.
// Signal's rule), then to each member outside that group, pinned and
// checked.
func (t *cgroupTree) signal(sigs ...syscall.Signal) error {
	if t.pgid <= 0 {
		return cgroup.Signal(t.path, sigs...)
	}
	var errs []error
	for _, sig := range sigs {
		if err := syscall.Kill(-t.pgid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
			errs = append(errs, fmt.Errorf("signal group %d: %w", t.pgid, err))
		}
	}
	errs = append(errs, cgroup.SignalOutsideGroup(t.path, t.pgid, sigs...))
	return errors.Join(errs...)
}
func (t *cgroupTree) kill() error          { return cgroup.Kill(t.path) }
func (t *cgroupTree) empty() (bool, error) { return cgroup.Empty(t.path) }

// releaseIfEmpty tries rmdir, which the kernel refuses while the cgroup
// or one below it holds a process.
func (t *cgroupTree) releaseIfEmpty() bool {
	t.closeFD()
	t.released = cgroup.RemoveIfEmpty(t.path)
	return t.released
}

func (t *cgroupTree) release() error {
	t.closeFD()
	if t.released {
		return nil
	}
	return cgroup.Remove(t.path)
}
