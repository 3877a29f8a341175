package base

import (
	"context"

	"github.com/corralrun/corral/internal/procfs"
)

// escapedMembers is empty on darwin: another process's environment cannot
// be read there, so members that left the group are not found.
func escapedMembers(int, string, uint64) []int { return nil }

// treeMembers is the group's members on darwin.
func treeMembers(pgid, exclude int, _ string, _ uint64) ([]int, bool) {
	return procfs.GroupMembers(pgid, exclude), true
}

func carriesTree(int, string) bool { return false }

// ownedBy reports whether a process carrying a tree's marker may be
// signalled as the tree's, for a tree of user uid: it must run as uid,
// unless uid is root, whose trees' descendants may drop privileges (a
// daemon that setuid's to nobody) and stay members; another user copying
// a root tree's marker can only harm itself.
func ownedBy(pid, uid int) bool {
	if uid == 0 {
		return true
	}
	info, err := procfs.InfoOf(pid)
	return err == nil && info.UID == uid
}

// treeEnvIndex is empty on darwin, where another process's environment
// cannot be read.
type treeEnvIndex struct{ pids map[string][]int }

func indexTreeEnv(uint64) *treeEnvIndex { return &treeEnvIndex{} }

// sweepCgroups has nothing to sweep on darwin.
func (r *reaper) sweepCgroups(context.Context) {}
