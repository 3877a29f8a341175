package procfs

import (
	"os"
	"strconv"
	"strings"
)

// lastPIDFile holds the last PID the kernel handed out in the caller's
// PID namespace (readable by anyone).
const lastPIDFile = "/proc/sys/kernel/ns_last_pid"

// LastPID returns the last PID handed out in the caller's PID namespace.
func LastPID() (int, error) {
	b, err := os.ReadFile(lastPIDFile)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}

// maxCatchUpRounds bounds EachConsistent's looks at the PIDs handed out
// during its own walk.
const maxCatchUpRounds = 64

// EachConsistent is Each that does not miss a process forked during the
// walk. A walk alone can: a process forked after /proc was listed, by a
// parent that exits before the walk reads it, is seen neither as itself
// nor through its parent (a descendant hopping from PID to PID does
// exactly this). Every process forked during the walk got a PID above
// the last one handed out before it, so after the walk EachConsistent
// looks at each PID handed out since, and again at those handed out
// during that look, until a look finds no new one. fn may be called
// twice for one process. Threads are not processes: those handed out
// during the walk are left out.
//
// It returns false when it cannot vouch for the walk: the PIDs wrapped
// around, or new ones kept coming for maxCatchUpRounds looks. Without
// ns_last_pid to read, it is Each, and returns true.
func EachConsistent(fn func(pid int, st Stat)) bool {
	before, err := LastPID()
	if err != nil {
		Each(fn)
		return true
	}
	Each(fn)
	for range maxCatchUpRounds {
		after, err := LastPID()
		if err != nil {
			return false
		}
		if after == before {
			return true
		}
		if after < before {
			return false // wrapped: the range is not what was handed out
		}
		for pid := before + 1; pid <= after; pid++ {
			// ns_last_pid counts threads too, and /proc/TID/stat reads
			// as if the thread were a process: keep thread group leaders.
			if st, err := ReadStat(pid); err == nil && !st.Dead() && leadsThreadGroup(pid) {
				fn(pid, st)
			}
		}
		before = after
	}
	return false
}

// leadsThreadGroup reports whether pid is a process, not another thread
// of one: its Tgid is itself.
func leadsThreadGroup(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return false
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "Tgid:"); ok {
			tgid, err := strconv.Atoi(strings.TrimSpace(v))
			return err == nil && tgid == pid
		}
	}
	return false
}
