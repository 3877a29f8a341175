package base

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/corralrun/corral/internal/cgroup"
	"github.com/corralrun/corral/internal/records"
	"golang.org/x/sys/unix"
)

// sweepCgroups is the reaper's last pass: it looks, among its home's tree
// cgroups, for those that no record names any more (a record removed by
// hand, a cgroup whose removal failed) and stops them if their owner,
// named in the cgroup's own name, is dead. It also removes empty probe
// cgroups left by a process killed while probing.
func (r *reaper) sweepCgroups(ctx context.Context) {
	c := probeContainment()
	if c.Kind != ContainmentCgroup {
		return
	}
	r.removeDeadProbes(c.Where)
	root := filepath.Dir(records.CgroupPath(c.Where, r.store.Home(), "x"))
	entries, err := os.ReadDir(root)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		path := filepath.Join(root, e.Name())
		owner, ok := records.OwnerOfTree(e.Name())
		if !ok || owner.Alive() || !isTreeCgroup(path, e.Name()) || pathExists(filepath.Join(r.store.Dir(), "cg-"+e.Name()+".json")) {
			continue
		}
		t := cgroupTarget{path: path}
		n, err := stopTarget(ctx, t, DefaultGracePeriod, r.shield, nil)
		if errors.Is(err, errShielded) {
			continue
		}
		if err != nil {
			r.logger.Warn("corral: stop unrecorded cgroup", "cgroup", path, "err", err)
		}
		if err := t.release(); err != nil {
			r.logger.Warn("corral: remove unrecorded cgroup", "cgroup", path, "err", err)
			continue
		}
		r.mu.Lock()
		r.report.Reaped = append(r.report.Reaped, ReapedTree{Tree: e.Name(), Containment: ContainmentCgroup, Owner: owner.PID, Signalled: n, Unrecorded: true})
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
				if err := cgroup.Remove(filepath.Join(where, e.Name())); err != nil {
					r.logger.Warn("corral: remove a dead prober's cgroup", "cgroup", e.Name(), "err", err)
				}
			}
		} else if records.IsHomeCgroupKey(e.Name()) {
			unix.Rmdir(filepath.Join(where, e.Name())) // fails, as it should, while trees live in it
		}
	}
}
