package base

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
)

// processStartTime returns field 22 of /proc/PID/stat, the start time in
// clock ticks after boot. A zombie has no live identity: it gives an error
// wrapping os.ErrNotExist, as a missing PID does.
func processStartTime(pid int) (uint64, error) {
	st, err := readProcStat(pid)
	if err != nil {
		return 0, err
	}
	if st.state == 'Z' || st.state == 'X' {
		return 0, fmt.Errorf("process %d is a zombie: %w", pid, os.ErrNotExist)
	}
	return st.start, nil
}

// procStatFields are the fields of /proc/PID/stat supervision needs.
type procStatFields struct {
	state byte
	ppid  int
	pgid  int
	start uint64
}

func readProcStat(pid int) (procStatFields, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStatFields{}, err
	}
	st, err := parseProcStatFields(b)
	if err != nil {
		return procStatFields{}, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	return st, nil
}

// parseProcStatFields parses a /proc/PID/stat line. The command name may
// hold spaces and parentheses, so fields are counted from the last ')'.
func parseProcStatFields(b []byte) (procStatFields, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStatFields{}, fmt.Errorf("malformed stat line")
	}
	// After ") " come fields 3 (state) onwards.
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 {
		return procStatFields{}, fmt.Errorf("malformed stat line: %d fields", len(f))
	}
	var st procStatFields
	var err1, err2, err3 error
	st.state = f[0][0]
	st.ppid, err1 = strconv.Atoi(f[1])
	st.pgid, err2 = strconv.Atoi(f[2])
	st.start, err3 = strconv.ParseUint(f[19], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return procStatFields{}, fmt.Errorf("malformed stat line")
	}
	return st, nil
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
