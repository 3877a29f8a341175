//go:build unix

package base

import (
	"errors"
	"syscall"
)

// IsProcessAlive reports whether a process with this PID exists, by
// sending it signal 0 (kill(2) checks the PID and permissions and delivers
// nothing). It says that some process has the PID, not that it is the one
// the caller started: PIDs are reused. A zombie counts as alive until its
// parent reaps it. A process of another user (EPERM) is alive. A pid <= 0
// names a group or every process, never one process, and gives false.
func IsProcessAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
