package records

import (
	"fmt"
	"os"
	"sync"

	"github.com/corralrun/corral/internal/procfs"
)

// Identity names one process across PID reuse: a PID is recycled, the
// pair (PID, start time) on one boot is not.
type Identity struct {
	PID int `json:"pid"`
	// Start is the process's start time in the kernel's own unit (clock
	// ticks since boot on Linux, microseconds since the epoch on darwin).
	Start uint64 `json:"start"`
}

func (id Identity) String() string { return fmt.Sprintf("pid %d (start %d)", id.PID, id.Start) }

// IdentityOf reads the identity of a live process; a zombie or a missing
// PID gives an error wrapping os.ErrNotExist.
func IdentityOf(pid int) (Identity, error) {
	start, err := procfs.StartTime(pid)
	if err != nil {
		return Identity{}, err
	}
	return Identity{PID: pid, Start: start}, nil
}

// Self is the identity of the calling process, read once: it cannot
// change while the process lives.
var Self = sync.OnceValues(func() (Identity, error) { return IdentityOf(os.Getpid()) })

// Alive reports whether the process named by id still runs: its PID
// exists and has the same start time. A zombie counts as gone. It says
// nothing about another PID namespace: compare PIDNamespace first.
func (id Identity) Alive() bool {
	if id.PID <= 0 {
		return false
	}
	start, err := procfs.StartTime(id.PID)
	return err == nil && start == id.Start
}

// BootID names this boot of the machine; it changes at every reboot.
func BootID() (string, error) { return procfs.BootID() }

// PIDNamespace identifies the caller's PID namespace; 0 where there are
// none.
func PIDNamespace() uint64 { return procfs.PIDNamespace() }
