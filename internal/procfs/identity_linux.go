package procfs

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// StartTime returns field 22 of /proc/PID/stat, the start time in clock
// ticks after boot. A zombie has no live identity: it gives an error
// wrapping os.ErrNotExist, as a missing PID does.
func StartTime(pid int) (uint64, error) {
	st, err := ReadStat(pid)
	if err != nil {
		return 0, err
	}
	if st.Dead() {
		return 0, fmt.Errorf("process %d is a zombie: %w", pid, os.ErrNotExist)
	}
	return st.StartTime, nil
}

// ChildStartTime is StartTime for a child of the caller that it has not
// yet reaped: a zombie is accepted, since its PID cannot be reused before
// the caller reaps it, so the start time it shows is still the child's.
// A leader that exits at once (true(1)) is a zombie by the time its
// supervisor asks; StartTime would refuse it and leave the tree without
// the lower bound that keeps its member scans short.
func ChildStartTime(pid int) (uint64, error) {
	st, err := ReadStat(pid)
	if err != nil {
		return 0, err
	}
	return st.StartTime, nil
}

// Info is what ownership checks need of a live process.
type Info struct {
	PGID  int
	Start uint64 // as StartTime
	UID   int    // effective user
}

// InfoOf returns the group, start time and user of a live process.
func InfoOf(pid int) (Info, error) {
	st, err := ReadStat(pid)
	if err != nil {
		return Info{}, err
	}
	if st.Dead() {
		return Info{}, fmt.Errorf("process %d is a zombie: %w", pid, os.ErrNotExist)
	}
	// /proc/PID belongs to the process's effective user.
	fi, err := os.Stat("/proc/" + strconv.Itoa(pid))
	if err != nil {
		return Info{}, err
	}
	return Info{PGID: st.PGID, Start: st.StartTime, UID: int(fi.Sys().(*syscall.Stat_t).Uid)}, nil
}

var bootIDOnce = sync.OnceValues(func() (string, error) {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return "", fmt.Errorf("read boot id: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
})

// BootID names this boot of the machine; it changes at every reboot.
func BootID() (string, error) { return bootIDOnce() }

// PIDNamespace identifies this process's PID namespace (the inode of
// /proc/self/ns/pid), 0 if unknown. A PID means nothing outside its
// namespace.
var PIDNamespace = sync.OnceValue(func() uint64 {
	fi, err := os.Stat("/proc/self/ns/pid")
	if err != nil {
		return 0
	}
	return fi.Sys().(*syscall.Stat_t).Ino
})

// ParentOf returns the parent PID of a process.
func ParentOf(pid int) (int, error) {
	st, err := ReadStat(pid)
	if err != nil {
		return 0, err
	}
	return st.PPID, nil
}
