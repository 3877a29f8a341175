package base

import (
	"errors"
	"time"

	"github.com/corralrun/corral/internal/procfs"
	"github.com/corralrun/corral/internal/records"
	"golang.org/x/sys/unix"
)

// selfExecutable is the running binary, even when its file was replaced
// or removed since it started.
func selfExecutable() (string, error) { return "/proc/self/exe", nil }

// waitOwnerGone waits, for at most bound, until owner is no longer
// alive. A pidfd polls readable once the process is a zombie (pidfd_open(2)),
// so the wait ends the moment the reaper can see the owner dead. The
// identity is checked after the pidfd is taken: a PID recycled before
// that is not the owner, who is then gone already.
func waitOwnerGone(owner records.Identity, bound time.Duration) {
	fd, err := unix.PidfdOpen(owner.PID, 0)
	if err != nil {
		if errors.Is(err, unix.ENOSYS) {
			pollOwnerGone(owner, bound)
		}
		return // ESRCH: gone
	}
	defer unix.Close(fd)
	deadline := time.Now().Add(bound)
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for owner.Alive() {
		left := time.Until(deadline)
		if left <= 0 {
			return
		}
		_, err := unix.Poll(fds, int(left.Milliseconds())+1)
		if err != nil && !errors.Is(err, unix.EINTR) {
			return
		}
	}
}

// isGuardianOf reports whether pid is a live child of parent carrying the
// guardian mark mark.
func isGuardianOf(pid, parent int, mark string) bool {
	st, err := procfs.ReadStat(pid)
	got, ok := procfs.EnvironValue(pid, guardianEnv)
	return err == nil && !st.Dead() && st.PPID == parent && ok && got == mark
}
