package sys

import (
	"errors"
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"
)

// SignalVerified sends sig to pid only if isOurs, checked after the
// process was pinned by a pidfd, still holds. Once pinned, the PID cannot
// name another process: if it died and was recycled after the check,
// pidfd_send_signal fails with ESRCH instead of hitting the newcomer.
// Without pidfds (Linux < 5.3) it falls back to kill(2) after the check.
// A process that is already gone is not an error; one that fails the
// check gives ErrNotOurs.
func SignalVerified(pid int, sig syscall.Signal, isOurs func() bool) error {
	fd, err := unix.PidfdOpen(pid, 0)
	switch {
	case errors.Is(err, unix.ESRCH):
		return nil
	case err != nil && !errors.Is(err, unix.ENOSYS):
		return fmt.Errorf("pin process %d: %w", pid, err)
	}
	pinned := err == nil
	if pinned {
		defer unix.Close(fd)
	}
	if !isOurs() {
		return ErrNotOurs
	}
	if pinned {
		err = unix.PidfdSendSignal(fd, sig, nil, 0)
	} else {
		err = unix.Kill(pid, sig)
	}
	if err != nil && !errors.Is(err, unix.ESRCH) {
		return fmt.Errorf("signal process %d: %w", pid, err)
	}
	return nil
}
