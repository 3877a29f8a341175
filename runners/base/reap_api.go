package base

import (
	"log/slog"
	"time"
)

// ReapReport says what one reap did.
type ReapReport struct {
	// Reaped lists the trees that were stopped, or found already gone,
	// and whose records were removed.
	Reaped []ReapedTree
	// SetAside lists record files that were not trusted and were moved to
	// the runs/.setaside directory without being acted on.
	SetAside []SetAsideRecord
}

// ReapedTree is one tree a reap dealt with.
type ReapedTree struct {
	Tree        string
	Name        string // base name of the executable
	Containment ContainmentKind
	Owner       int // PID of the dead owner
	// Signalled is the number of processes that were still running and
	// were stopped; 0 for a tree that had ended by itself.
	Signalled int
	// Unrecorded marks a tree cgroup found without a record (its record
	// was lost, or its removal failed earlier); Name is then unknown.
	Unrecorded bool
}

// SetAsideRecord is one record file the reaper refused to trust.
type SetAsideRecord struct {
	File   string
	Reason string
}

// TreeStatus describes one live recorded tree, for `corral ps`.
type TreeStatus struct {
	Tree        string
	Name        string
	Containment ContainmentKind
	Cgroup      string
	Leader      int // 0 when unknown (a cgroup tree whose processes are gone)
	Owner       int
	// OwnerAlive is true also for an owner in another PID namespace,
	// which cannot be judged from here.
	OwnerAlive bool
	Started    time.Time
	Processes  int
	State      ProcessState
	CPU        float64 // percent of one core, since the tree started
	Memory     uint64  // resident bytes of the whole tree
}

// ReapOptions configure Reap. The zero value is ready to use.
type ReapOptions struct {
	// Logger receives warnings about set-aside records; nil means
	// slog.Default().
	Logger *slog.Logger
	// Stopping, when set, is called once for each tree of a dead owner
	// that still has processes, just before the reaper signals it, so
	// that a caller can say what it is waiting for: the stop may take the
	// tree's whole grace period. It may be called from several goroutines
	// at once.
	Stopping func(StoppingTree)
}

// StoppingTree is a tree Reap is about to stop.
type StoppingTree struct {
	Tree      string
	Name      string
	Owner     int // the dead owner's PID
	Processes int // how many of its processes were found
	Grace     time.Duration
}
