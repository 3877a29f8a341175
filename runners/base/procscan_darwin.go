package base

import (
	"context"
	"os"

	"github.com/corralrun/corral/internal/procfs"
)

// escapedMembers is empty on darwin: another process's environment cannot
// be read there, so members that left the group are not found.
func escapedMembers(int, string, uint64) []int { return nil }

// treeMembers is the group's members on darwin.
func treeMembers(pgid, exclude int, _ string, _ uint64) []int {
	return procfs.GroupMembers(pgid, exclude)
}

func carriesTree(int, string) bool { return false }

// sameUser reports whether pid runs as the calling process's user.
func sameUser(pid int) bool {
	info, err := procfs.InfoOf(pid)
	return err == nil && info.UID == os.Getuid()
}

// treeEnvIndex is empty on darwin, where another process's environment
// cannot be read.
type treeEnvIndex struct{ pids map[string][]int }

func indexTreeEnv() *treeEnvIndex { return &treeEnvIndex{} }

// sweepCgroups has nothing to sweep on darwin.
func (r *reaper) sweepCgroups(context.Context) {}
