package base

import (
	"bytes"
	"os"
	"strconv"
)

// eachProcess calls fn for every live (non-zombie) process in /proc.
// Processes that vanish during the scan are skipped.
func eachProcess(fn func(pid int, st procStat)) {
	d, err := os.Open("/proc")
	if err != nil {
		return
	}
	defer d.Close()
	names, _ := d.Readdirnames(-1)
	for _, n := range names {
		pid, err := strconv.Atoi(n)
		if err != nil {
			continue
		}
		st, err := readStat(pid)
		if err != nil || st.State == 'Z' || st.State == 'X' {
			continue
		}
		fn(pid, st)
	}
}

// groupMembers lists the live processes of group pgid, but exclude.
func groupMembers(pgid, exclude int) []int {
	var pids []int
	eachProcess(func(pid int, st procStat) {
		if st.PGID == pgid && pid != exclude {
			pids = append(pids, pid)
		}
	})
	return pids
}

// escapedMembers lists the live processes outside group pgid that carry
// CORRAL_TREE=id: descendants of the tree that left its group. Only
// processes started at or after since (the tree's start, in clock ticks
// after boot) can be descendants, so older ones are not read.
func escapedMembers(pgid int, id string, since uint64) []int {
	var pids []int
	eachProcess(func(pid int, st procStat) {
		if st.PGID != pgid && st.StartTime >= since && carriesTree(pid, id) {
			pids = append(pids, pid)
		}
	})
	return pids
}

// treeMembers is groupMembers and escapedMembers from one scan.
func treeMembers(pgid, exclude int, id string, since uint64) []int {
	var pids []int
	eachProcess(func(pid int, st procStat) {
		switch {
		case pid == exclude:
		case st.PGID == pgid:
			pids = append(pids, pid)
		case st.StartTime >= since && carriesTree(pid, id):
			pids = append(pids, pid)
		}
	})
	return pids
}

// carriesTree reports whether pid's initial environment holds
// CORRAL_TREE=id. Only the calling user's processes (or any, for root)
// can be read; others never match.
func carriesTree(pid int, id string) bool { return environHas(pid, treeEnv+"="+id) }

// environHas reports whether pid's initial environment holds the entry
// "KEY=VALUE".
func environHas(pid int, entry string) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil {
		return false
	}
	want := []byte(entry)
	for _, kv := range bytes.Split(b, []byte{0}) {
		if bytes.Equal(kv, want) {
			return true
		}
	}
	return false
}

// pidsWithEnv lists the live processes whose initial environment holds
// the entry "KEY=VALUE".
func pidsWithEnv(entry string) []int {
	var pids []int
	eachProcess(func(pid int, _ procStat) {
		if environHas(pid, entry) {
			pids = append(pids, pid)
		}
	})
	return pids
}

// sameUser reports whether pid runs as the calling process's user.
func sameUser(pid int) bool {
	st, err := processGroupAndStart(pid)
	return err == nil && st.uid == os.Getuid()
}
