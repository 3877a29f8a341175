package procfs

import (
	"fmt"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// StartTime returns the start time of pid in microseconds since the
// epoch, from the kernel's process table. A zombie gives an error
// wrapping os.ErrNotExist.
func StartTime(pid int) (uint64, error) {
	info, err := InfoOf(pid)
	return info.Start, err
}

// ChildStartTime is StartTime for an unreaped child of the caller, which
// may be a zombie; its PID cannot be reused before the caller reaps it.
func ChildStartTime(pid int) (uint64, error) {
	kp, err := unix.SysctlKinfoProc("kern.proc.pid", pid)
	if err != nil {
		return 0, fmt.Errorf("process %d: %w", pid, err)
	}
	if kp.Proc.P_pid != int32(pid) {
		return 0, fmt.Errorf("process %d: %w", pid, os.ErrNotExist)
	}
	tv := kp.Proc.P_starttime
	return uint64(tv.Sec)*1_000_000 + uint64(tv.Usec), nil
}

// Info is what ownership checks need of a live process.
type Info struct {
	PGID  int
	Start uint64 // as StartTime
	UID   int    // effective user
}

// InfoOf returns the group, start time and user of a live process.
func InfoOf(pid int) (Info, error) {
	kp, err := unix.SysctlKinfoProc("kern.proc.pid", pid)
	if err != nil {
		return Info{}, fmt.Errorf("process %d: %w", pid, err)
	}
	if kp.Proc.P_pid != int32(pid) || kp.Proc.P_stat == 5 { // SZOMB
		return Info{}, fmt.Errorf("process %d: %w", pid, os.ErrNotExist)
	}
	tv := kp.Proc.P_starttime
	return Info{PGID: int(kp.Eproc.Pgid), Start: uint64(tv.Sec)*1_000_000 + uint64(tv.Usec), UID: int(kp.Eproc.Ucred.Uid)}, nil
}

// GroupMembers lists the live processes of group pgid, but exclude.
func GroupMembers(pgid, exclude int) []int {
	procs, err := unix.SysctlKinfoProcSlice("kern.proc.pgrp", pgid)
	if err != nil {
		return nil
	}
	var pids []int
	for _, p := range procs {
		if pid := int(p.Proc.P_pid); pid != exclude && p.Proc.P_stat != 5 { // 5: SZOMB
			pids = append(pids, pid)
		}
	}
	return pids
}

var bootIDOnce = sync.OnceValues(func() (string, error) {
	tv, err := unix.SysctlTimeval("kern.boottime")
	if err != nil {
		return "", fmt.Errorf("read boot time: %w", err)
	}
	return fmt.Sprintf("boot-%d.%06d", tv.Sec, tv.Usec), nil
})

// BootID names this boot of the machine; it changes at every reboot.
func BootID() (string, error) { return bootIDOnce() }

// PIDNamespace is 0: darwin has no PID namespaces.
func PIDNamespace() uint64 { return 0 }

// EnvironHas is false on darwin, where another process's environment
// cannot be read.
func EnvironHas(int, string) bool { return false }

// ParentOf returns the parent PID of a process.
func ParentOf(pid int) (int, error) {
	kp, err := unix.SysctlKinfoProc("kern.proc.pid", pid)
	if err != nil {
		return 0, fmt.Errorf("process %d: %w", pid, err)
	}
	return int(kp.Eproc.Ppid), nil
}
