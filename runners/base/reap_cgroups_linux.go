package base

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// sweepCgroups is the reaper's last pass: it looks for tree cgroups that
// no record names any more (a record removed by hand, a cgroup whose
// removal failed) and stops them if their owner, named in the cgroup's
// own name, is dead. It also removes empty probe cgroups left by a
// process killed while probing.
func (r *reaper) sweepCgroups(ctx context.Context) {
	c := probeContainment()
	if c.Kind != containCgroup {
		return
	}
	entries, err := os.ReadDir(c.Where)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		path := filepath.Join(c.Where, e.Name())
		if pid, ok := strings.CutPrefix(e.Name(), "probe."); ok {
			if n, err := strconv.Atoi(pid); err == nil && !IsProcessAlive(n) {
				cgroupRemove(path)
			}
			continue
		}
		owner, ok := ownerFromTreeID(e.Name())
		if !ok || owner.isAlive() || !isCgroup2Dir(path) || pathExists(filepath.Join(r.store.dir, "cg-"+e.Name()+".json")) {
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
