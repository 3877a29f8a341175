package base

import (
	"fmt"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// processStartTime returns the start time of pid in microseconds since the
// epoch, from the kernel's process table. A zombie gives an error wrapping
// os.ErrNotExist.
func processStartTime(pid int) (uint64, error) {
	kp, err := unix.SysctlKinfoProc("kern.proc.pid", pid)
	if err != nil {
		return 0, fmt.Errorf("process %d: %w", pid, err)
	}
	if kp.Proc.P_pid != int32(pid) || kp.Proc.P_stat == 5 { // SZOMB
		return 0, fmt.Errorf("process %d: %w", pid, os.ErrNotExist)
	}
	tv := kp.Proc.P_starttime
	return uint64(tv.Sec)*1_000_000 + uint64(tv.Usec), nil
}

var bootIDOnce = sync.OnceValues(func() (string, error) {
	tv, err := unix.SysctlTimeval("kern.boottime")
	if err != nil {
		return "", fmt.Errorf("read boot time: %w", err)
	}
	return fmt.Sprintf("boot-%d.%06d", tv.Sec, tv.Usec), nil
})

// bootID names this boot of the machine; it changes at every reboot.
func bootID() (string, error) { return bootIDOnce() }

// pidNamespace is 0: darwin has no PID namespaces.
func pidNamespace() uint64 { return 0 }
