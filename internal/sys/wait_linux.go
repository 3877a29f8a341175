package sys

import (
	"errors"

	"golang.org/x/sys/unix"
)

// WaitExited blocks until child pid has exited, without reaping it: the
// zombie keeps the PID, and so the process group id, from being recycled
// while the rest of the tree is stopped (waitid(2) with WNOWAIT).
func WaitExited(pid int) error {
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// HasExited reports, without blocking or reaping, whether child pid has
// exited.
func HasExited(pid int) bool {
	var info unix.Siginfo
	err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT|unix.WNOHANG, nil)
	// With WNOHANG and no child to report, Linux zeroes info; a child that
	// exited fills it in with SIGCHLD.
	return err != nil || info.Signo == int32(unix.SIGCHLD)
}
