package base

import (
	"fmt"
	"os"
	"sync"
)

// procIdentity names one process across PID reuse: a PID is recycled, the
// pair (PID, start time) on one boot is not.
type procIdentity struct {
	PID int `json:"pid"`
	// Start is the process's start time in the kernel's own unit (clock
	// ticks since boot on Linux, microseconds since the epoch on darwin).
	Start uint64 `json:"start"`
}

func (id procIdentity) String() string { return fmt.Sprintf("pid %d (start %d)", id.PID, id.Start) }

// identityOf reads the identity of a live process.
func identityOf(pid int) (procIdentity, error) {
	start, err := processStartTime(pid)
	if err != nil {
		return procIdentity{}, err
	}
	return procIdentity{PID: pid, Start: start}, nil
}

// selfIdentity is the identity of the calling process, read once: it
// cannot change while the process lives.
var selfIdentity = sync.OnceValues(func() (procIdentity, error) { return identityOf(os.Getpid()) })

// isAlive reports whether the process named by id still runs: its PID
// exists and has the same start time. A zombie counts as gone.
func (id procIdentity) isAlive() bool {
	if id.PID <= 0 {
		return false
	}
	start, err := processStartTime(id.PID)
	return err == nil && start == id.Start
}
