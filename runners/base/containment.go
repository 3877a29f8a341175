package base

import (
	"os"
	"syscall"

	"github.com/corralrun/corral/internal/records"
)

// containmentEnv, set to "pgroup", makes corral use process groups even
// where a cgroup is writable: for comparing the two, and for hosts whose
// cgroup setup misbehaves.
const containmentEnv = "CORRAL_CONTAINMENT"

// ContainmentKind is how a tree is held together: ContainmentCgroup or
// ContainmentPgroup for process trees, ContainmentContainer for a
// container (in reports that cover containers).
type ContainmentKind = records.Kind

// The containment kinds.
const (
	ContainmentCgroup    ContainmentKind = records.KindCgroup
	ContainmentPgroup    ContainmentKind = records.KindPgroup
	ContainmentContainer ContainmentKind = records.KindContainer
)

// Containment says how corral holds process trees together on this host,
// and why.
type Containment struct {
	// Kind is ContainmentCgroup or ContainmentPgroup.
	Kind ContainmentKind
	// Where is the cgroup directory trees are created in, for "cgroup".
	Where string
	// Reason says why this kind is in force, and for "pgroup" what would
	// make cgroups usable.
	Reason string
}

// DetectContainment returns the containment NewNativeEnvironment will use.
// The kernel probe behind it runs once per process; CORRAL_CONTAINMENT is
// read at every call.
func DetectContainment() Containment {
	if os.Getenv(containmentEnv) == string(ContainmentPgroup) {
		return Containment{Kind: ContainmentPgroup, Reason: containmentEnv + "=pgroup is set"}
	}
	return probeContainment()
}

// tree is the containment of one process tree: a cgroup or a process
// group. Methods other than attr and started may be called concurrently.
type tree interface {
	kind() ContainmentKind
	// cgroupPath is the tree's cgroup directory, or "".
	cgroupPath() string
	// create makes the containment exist; for a cgroup, after its record
	// is on disk, so that no cgroup is ever left unrecorded.
	create() error
	// attr makes the child start inside the containment.
	attr(a *syscall.SysProcAttr)
	// started is told the leader's PID once it runs.
	started(pid int)
	// signal sends each of sigs, in order, to every process of the tree.
	signal(sigs ...syscall.Signal) error
	// kill sends SIGKILL to every process of the tree.
	kill() error
	// empty reports whether no process of the tree is left, the leader
	// aside: the leader is our child, reaped by its own Wait.
	empty() (bool, error)
	// release removes what the containment created, once the tree is
	// empty.
	release() error
	// releaseIfEmpty releases the containment if the tree is empty, and
	// reports whether it was.
	releaseIfEmpty() bool
}
