package base

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
)

// processStartTime returns field 22 of /proc/PID/stat, the start time in
// clock ticks after boot. A zombie has no live identity: it gives an error
// wrapping os.ErrNotExist, as a missing PID does.
func processStartTime(pid int) (uint64, error) {
	st, err := readStat(pid)
	if err != nil {
		return 0, err
	}
	if st.State == 'Z' || st.State == 'X' {
		return 0, fmt.Errorf("process %d is a zombie: %w", pid, os.ErrNotExist)
	}
	return st.StartTime, nil
}

var bootIDOnce = sync.OnceValues(func() (string, error) {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return "", fmt.Errorf("read boot id: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
})

// bootID names this boot of the machine; it changes at every reboot.
func bootID() (string, error) { return bootIDOnce() }

// pidNamespace identifies this process's PID namespace (the inode of
// /proc/self/ns/pid). A PID means nothing outside its namespace, so the
// reaper judges an owner only from the owner's own namespace.
var pidNamespace = sync.OnceValue(func() uint64 {
	fi, err := os.Stat("/proc/self/ns/pid")
	if err != nil {
		return 0
	}
	return fi.Sys().(*syscall.Stat_t).Ino
})
