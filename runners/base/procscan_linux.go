package base

import (
	"bytes"

	"github.com/corralrun/corral/internal/procfs"
	"github.com/corralrun/corral/internal/records"
)

// escapedMembers lists the live processes outside group pgid that carry
// CORRAL_TREE=id: descendants of the tree that left its group. Only
// processes started at or after since (the tree's start, in clock ticks
// after boot) can be descendants, so older ones are not read.
func escapedMembers(pgid int, id string, since uint64) []int {
	var pids []int
	procfs.EachConsistent(func(pid int, st procfs.Stat) {
		if st.PGID != pgid && st.StartTime >= since && carriesTree(pid, id) {
			pids = append(pids, pid)
		}
	})
	return pids
}

// treeMembers is the group's members and escapedMembers from one walk,
// which also looks at every process forked while it ran
// (procfs.EachConsistent). consistent is false when that walk cannot
// vouch that it missed none: an empty list then proves nothing.
func treeMembers(pgid, exclude int, id string, since uint64) (pids []int, consistent bool) {
	consistent = procfs.EachConsistent(func(pid int, st procfs.Stat) {
		switch {
		case pid == exclude:
		case st.PGID == pgid:
			pids = append(pids, pid)
		case st.StartTime >= since && carriesTree(pid, id):
			pids = append(pids, pid)
		}
	})
	return pids, consistent
}

// carriesTree reports whether pid's initial environment holds
// CORRAL_TREE=id. Only the calling user's processes (or any, for root)
// can be read; others never match.
func carriesTree(pid int, id string) bool {
	tree, ancestry := treeEnvOf(pid)
	return records.InTree(tree, ancestry, id)
}

// treeEnvOf reads pid's CORRAL_TREE and CORRAL_TREE_ANCESTRY values
// (empty when absent) from one read of its initial environment.
func treeEnvOf(pid int) (tree, ancestry string) {
	kvs, err := procfs.Environ(pid)
	if err != nil {
		return "", ""
	}
	for _, kv := range kvs {
		if v, ok := bytes.CutPrefix(kv, []byte(records.TreeEnv+"=")); ok {
			tree = string(v)
		} else if v, ok := bytes.CutPrefix(kv, []byte(records.TreeAncestryEnv+"=")); ok {
			ancestry = string(v)
		}
	}
	return tree, ancestry
}

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

// treeEnvIndex maps tree ids to the live processes carrying them, from one
// walk over the environment of every process started at or after since
// (clock ticks after boot; a tree's members are no older than its owner,
// so a reaper passes its oldest stale owner's start, and reads a few
// environments instead of every one on the machine).
type treeEnvIndex struct{ pids map[string][]int }

func indexTreeEnv(since uint64) *treeEnvIndex {
	idx := &treeEnvIndex{pids: make(map[string][]int)}
	procfs.Each(func(pid int, st procfs.Stat) {
		if st.StartTime < since {
			return // older than every tree indexed: no member
		}
		for _, id := range records.Trees(treeEnvOf(pid)) {
			idx.pids[id] = append(idx.pids[id], pid)
		}
	})
	return idx
}
