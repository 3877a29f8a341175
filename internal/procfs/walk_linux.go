package procfs

import (
	"context"
	"fmt"
	"os"
	"strconv"
)

// pids lists the numeric entries of /proc: every process there is.
func pids() ([]int, error) {
	d, err := os.Open("/proc")
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	out := make([]int, 0, len(names))
	for _, n := range names {
		if pid, err := strconv.Atoi(n); err == nil && pid > 0 {
			out = append(out, pid) // not /proc/self, /proc/meminfo, ...
		}
	}
	return out, nil
}

// Each calls fn for every live (non-zombie) process in /proc, in no
// particular order. Processes that vanish during the walk, or whose stat
// cannot be read, are skipped. The walk is not a snapshot: a process
// forked while it runs may or may not be seen.
func Each(fn func(pid int, st Stat)) {
	all, err := pids()
	if err != nil {
		return
	}
	for _, pid := range all {
		if st, err := ReadStat(pid); err == nil && !st.Dead() {
			fn(pid, st)
		}
	}
}

// Scan reads the stat of every process, zombies included, keyed by PID.
// It stops early when ctx is done.
func Scan(ctx context.Context) (map[int]Stat, error) {
	all, err := pids()
	if err != nil {
		return nil, err
	}
	procs := make(map[int]Stat, len(all))
	for _, pid := range all {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if s, err := ReadStat(pid); err == nil {
			procs[pid] = s
		}
	}
	return procs, nil
}

// TreeOf returns the process root and all its descendants in procs, found
// through their parent PIDs. procs is not an atomic snapshot (processes
// come and go while /proc is read, and PIDs are reused), so a parent loop
// is possible in it: each PID is visited at most once.
func TreeOf(root int, procs map[int]Stat) []Stat {
	rs, ok := procs[root]
	if !ok {
		return nil
	}
	children := make(map[int][]int)
	for pid, s := range procs {
		if pid != root {
			children[s.PPID] = append(children[s.PPID], pid)
		}
	}
	tree := []Stat{rs}
	seen := map[int]bool{root: true}
	for i := 0; i < len(tree); i++ {
		for _, c := range children[tree[i].PID] {
			if !seen[c] {
				seen[c] = true
				tree = append(tree, procs[c])
			}
		}
	}
	return tree
}

// GroupMembers lists the live processes of group pgid, but exclude.
func GroupMembers(pgid, exclude int) []int {
	var out []int
	Each(func(pid int, st Stat) {
		if st.PGID == pgid && pid != exclude {
			out = append(out, pid)
		}
	})
	return out
}

// ZombieChildren lists the zombies whose parent is parent, but exclude.
func ZombieChildren(parent, exclude int) []int {
	all, err := pids()
	if err != nil {
		return nil
	}
	var out []int
	for _, pid := range all {
		if pid == exclude {
			continue
		}
		if st, err := ReadStat(pid); err == nil && st.State == 'Z' && st.PPID == parent {
			out = append(out, pid)
		}
	}
	return out
}

// LiveChildren lists the live (not zombie) processes whose parent is
// parent.
func LiveChildren(parent int) []int {
	var out []int
	Each(func(pid int, st Stat) {
		if st.PPID == parent {
			out = append(out, pid)
		}
	})
	return out
}
