package base

import (
	"os"

	"golang.org/x/sys/unix"
)

// groupMembers lists the live processes of group pgid, but exclude.
func groupMembers(pgid, exclude int) []int {
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

// escapedMembers is empty on darwin: another process's environment cannot
// be read there, so members that left the group are not found.
func escapedMembers(int, string, uint64) []int { return nil }

// treeMembers is groupMembers on darwin.
func treeMembers(pgid, exclude int, _ string, _ uint64) []int { return groupMembers(pgid, exclude) }

func carriesTree(int, string) bool { return false }

// sameUser reports whether pid runs as the calling process's user.
func sameUser(pid int) bool {
	st, err := processGroupAndStart(pid)
	return err == nil && st.uid == os.Getuid()
}
