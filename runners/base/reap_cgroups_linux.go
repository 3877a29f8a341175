package base

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// sweepCgroups is the reaper's last pass: it looks, among its home's tree
// cgroups, for those that no record names any more (a record removed by
// hand, a cgroup whose removal failed) and stops them if their owner,
// named in the cgroup's own name, is dead. It also removes empty probe
// cgroups left by a process killed while probing.
func (r *reaper) sweepCgroups(ctx context.Context) {
	c := probeContainment()
	if c.Kind != containCgroup {
		return
	}
	r.removeDeadProbes(c.Where)
	root := filepath.Dir(treeCgroupPath(c.Where, r.store.home, "x"))
	entries, err := os.ReadDir(root)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		path := filepath.Join(root, e.Name())
		owner, ok := ownerFromTreeID(e.Name())
		if !ok || owner.isAlive() || !isTreeCgroup(path, e.Name()) || pathExists(filepath.Join(r.store.dir, "cg-"+e.Name()+".json")) {
			continue
		}
		t := cgroupTarget{path: path}
		n := stopTarget(ctx, t, DefaultGracePeriod)
		if err := t.release(); err != nil {
			r.logger.Warn("corral: remove unrecorded cgroup", "cgroup", path, "err", err)
			continue
		}
		r.mu.Lock()
		r.report.Reaped = append(r.report.Reaped, ReapedTree{Tree: e.Name(), Containment: containCgroup, Owner: owner.PID, Signalled: n, Unrecorded: true})
		r.mu.Unlock()
	}
}

// removeDeadProbes removes the probe cgroups of processes that died while
// probing, and the home directories that hold no tree (rmdir fails on the
// others).
func (r *reaper) removeDeadProbes(where string) {
	entries, _ := os.ReadDir(where)
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if pid, ok := strings.CutPrefix(e.Name(), "probe."); ok {
			if n, err := strconv.Atoi(pid); err == nil && !IsProcessAlive(n) {
				cgroupRemove(filepath.Join(where, e.Name()))
			}
		} else if homeKeyPattern.MatchString(e.Name()) {
			unix.Rmdir(filepath.Join(where, e.Name()))
		}
	}
}

// ownerFromTreeID parses the owner identity a tree id starts with.
func ownerFromTreeID(id string) (procIdentity, bool) {
	if !treeIDPattern.MatchString(id) {
		return procIdentity{}, false
	}
	f := strings.Split(id, ".")
	pid, err1 := strconv.Atoi(f[0])
	start, err2 := strconv.ParseUint(f[1], 10, 64)
	if err1 != nil || err2 != nil || pid <= 0 {
		return procIdentity{}, false
	}
	return procIdentity{PID: pid, Start: start}, true
}
