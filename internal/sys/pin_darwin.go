package sys

import (
	"errors"
	"fmt"
	"syscall"
)

// Pin is only a PID on darwin, which has no pidfds: Pinned reports false,
// and the caller must check ownership right before Signal.
type Pin struct{ pid int }

// PinProcess returns the PID as a Pin, or ErrGone when no process has it.
func PinProcess(pid int) (Pin, error) {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return Pin{}, ErrGone
	}
	return Pin{pid: pid}, nil
}

// PID is the process's PID.
func (p Pin) PID() int { return p.pid }

// Pinned is false: nothing holds the PID.
func (p Pin) Pinned() bool { return false }

// Signal sends sig with kill(2); a process gone meanwhile is not an error.
func (p Pin) Signal(sig syscall.Signal) error {
	err := syscall.Kill(p.pid, sig)
	if err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("signal process %d: %w", p.pid, err)
	}
	return nil
}

// Close does nothing.
func (p Pin) Close() {}
