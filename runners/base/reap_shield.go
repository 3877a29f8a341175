package base

import (
	"errors"
	"os"
	"syscall"

	"github.com/corralrun/corral/internal/procfs"
)

// errShielded is returned by stopTarget for a tree that holds the reaper
// itself, one of its ancestors or a member of its process group: such a
// tree is left alone, record and all.
var errShielded = errors.New("the tree holds this reaper, its process group or one of its ancestors")

// shield is what a reaper never signals: itself, its ancestors (the shell
// that ran it, the terminal's session leader, ...) and the members of its
// own process group. A record naming the reaper's group, or a tree the
// reaper runs inside of (a `corral reap` typed in the shell of a tree whose
// supervisor died), would otherwise make it signal itself mid-sweep. The
// session is not shielded: a tree started from the same terminal shares
// it, and must still be reaped.
type shield struct {
	self, pgrp int
	ancestors  map[int]bool
}

func newShield() *shield {
	s := &shield{self: os.Getpid(), pgrp: syscall.Getpgrp(), ancestors: map[int]bool{}}
	for pid := os.Getppid(); pid > 1 && !s.ancestors[pid]; {
		s.ancestors[pid] = true
		info, err := procfs.ParentOf(pid)
		if err != nil {
			break
		}
		pid = info
	}
	return s
}

// covers reports whether pid is shielded from this reaper's signals.
func (s *shield) covers(pid int) bool {
	if pid == s.self || s.ancestors[pid] {
		return true
	}
	info, err := procfs.InfoOf(pid)
	return err == nil && info.PGID == s.pgrp
}

// anyOf returns the first shielded pid of pids, or 0.
func (s *shield) anyOf(pids []int) int {
	for _, pid := range pids {
		if s.covers(pid) {
			return pid
		}
	}
	return 0
}
