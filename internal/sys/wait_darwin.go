package sys

import (
	"golang.org/x/sys/unix"
)

// WaitExited blocks until child pid has exited, without reaping it, with
// a kqueue NOTE_EXIT filter.
func WaitExited(pid int) error {
	kq, err := unix.Kqueue()
	if err != nil {
		return err
	}
	defer unix.Close(kq)
	ev := []unix.Kevent_t{{Ident: uint64(pid), Filter: unix.EVFILT_PROC, Flags: unix.EV_ADD | unix.EV_ONESHOT, Fflags: unix.NOTE_EXIT}}
	if _, err := unix.Kevent(kq, ev, nil, nil); err != nil {
		if err == unix.ESRCH {
			return nil // already exited
		}
		return err
	}
	out := make([]unix.Kevent_t, 1)
	for {
		_, err := unix.Kevent(kq, nil, out, nil)
		if err != unix.EINTR {
			return err
		}
	}
}

// HasExited reports, without blocking or reaping, whether child pid has
// exited: a zombie or a missing process.
func HasExited(pid int) bool {
	kp, err := unix.SysctlKinfoProc("kern.proc.pid", pid)
	return err != nil || kp.Proc.P_pid != int32(pid) || kp.Proc.P_stat == 5 // SZOMB
}
