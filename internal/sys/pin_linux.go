package sys

import (
	"errors"
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"
)

// Pin holds on to one process, so that its PID cannot come to name
// another process while the holder decides whether to signal it: once
// pinned by a pidfd, a signal reaches the pinned process or, if it has
// died since, nobody (ESRCH), never a newcomer with the recycled PID.
// Without pidfds (Linux < 5.3) a Pin is only the PID: Pinned reports
// false, and the caller must check ownership right before Signal.
type Pin struct {
	pid int
	fd  int // -1 without pidfds
}

// PinProcess pins pid.
func PinProcess(pid int) (Pin, error) {
	fd, err := unix.PidfdOpen(pid, 0)
	switch {
	case err == nil:
		return Pin{pid: pid, fd: fd}, nil
	case errors.Is(err, unix.ESRCH):
		return Pin{}, ErrGone
	case errors.Is(err, unix.ENOSYS):
		return Pin{pid: pid, fd: -1}, nil
	}
	return Pin{}, fmt.Errorf("pin process %d: %w", pid, err)
}

// PID is the pinned process's PID.
func (p Pin) PID() int { return p.pid }

// Pinned reports whether the pin is a pidfd.
func (p Pin) Pinned() bool { return p.fd >= 0 }

// Signal sends sig to the pinned process; one that has exited since is
// not an error.
func (p Pin) Signal(sig syscall.Signal) error {
	var err error
	if p.fd >= 0 {
		err = unix.PidfdSendSignal(p.fd, sig, nil, 0)
	} else {
		err = unix.Kill(p.pid, sig)
	}
	if err != nil && !errors.Is(err, unix.ESRCH) {
		return fmt.Errorf("signal process %d: %w", p.pid, err)
	}
	return nil
}

// Close releases the pin.
func (p Pin) Close() {
	if p.fd >= 0 {
		unix.Close(p.fd)
	}
}
