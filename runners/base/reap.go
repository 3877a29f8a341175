package base

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/corralrun/corral/internal/cgroup"
	"github.com/corralrun/corral/internal/records"
	"github.com/corralrun/corral/internal/stop"
)

const (
	// maxReapPasses bounds the passes of one reap. Each pass after the
	// first exists for trees whose owner lived in a tree the previous pass
	// stopped; nesting deeper than this is not something corral creates.
	maxReapPasses = 16
	// maxReapGrace caps the grace period a record may ask the reaper for.
	maxReapGrace = 30 * time.Second
	// reapWorkers bounds the trees stopped at once, each waiting out its
	// own grace period.
	reapWorkers = 32
)

// ReapStaleProcessGroups stops every recorded tree whose owner is dead,
// and removes its record, as Reap does; it is Reap without the report.
// Call it before starting new trees, for instance at program start.
func ReapStaleProcessGroups(ctx context.Context) error {
	_, err := Reap(ctx, ReapOptions{})
	return err
}

// Reap's errors are those of the store and its lock, which name the
// directory; a caller that reports them adds what it was doing (corral
// reap says "reap: …").
//
// Reap is the safety net behind every supervisor: it reads the records in
// $CORRAL_HOME/runs and, for each tree whose owner is dead, stops what is
// left of the tree (SIGTERM, the tree's grace period, SIGKILL) and removes
// its record and cgroup. It repeats passes until one finds nothing to do,
// so a tree owned by a process of another reaped tree is reaped by the same
// call. Reapers are serialised across processes by a lock file.
//
// Reap acts only on what it can prove is ours: a process is signalled only
// if it is in the tree's cgroup, or carries the tree's CORRAL_TREE
// variable, or (for WritePgidFile records) is in the group of a leader
// whose PID and start time match the record; and only on this boot, for
// this user. A record that is malformed, oversized, a symlink, not a
// regular file, or another user's is moved to runs/.setaside with a
// warning and never acted on; it does not stop the sweep.
func Reap(ctx context.Context, opts ReapOptions) (*ReapReport, error) {
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	store, err := records.Open()
	if err != nil {
		return nil, err
	}
	unlock, err := store.Lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	boot, err := records.BootID()
	if err != nil {
		return nil, err
	}
	r := &reaper{store: store, boot: boot, logger: logger, report: &ReapReport{}, shield: newShield(), stopping: opts.Stopping}
	for range maxReapPasses {
		r.liveOwners = map[string]bool{}
		n, err := r.pass(ctx)
		if err != nil {
			return r.report, err
		}
		if n == 0 {
			break
		}
	}
	r.sweepCgroups(ctx)
	r.store.RemoveStaleTemps(time.Minute)
	r.store.RemoveDeadOwnerLocks(r.liveOwners)
	return r.report, nil
}

type reaper struct {
	shield *shield
	// liveOwners are the lock files of owners with records left after
	// the last pass.
	liveOwners map[string]bool
	store      *records.Store
	boot       string
	logger     *slog.Logger
	stopping   func(StoppingTree) // ReapOptions.Stopping

	mu     sync.Mutex
	report *ReapReport
}

// pass handles every record once and returns how many it removed.
func (r *reaper) pass(ctx context.Context) (int, error) {
	names, err := r.store.Names()
	if err != nil {
		return 0, err
	}
	var stale []*records.Record
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		rec := r.load(name)
		if rec == nil {
			continue
		}
		switch records.Decide(rec, r.boot, records.PIDNamespace(), rec.Owner.Alive()) {
		case records.Keep:
			r.liveOwners[rec.OwnerLockName()] = true
		case records.Forget:
			r.forget(rec, 0)
		case records.Stop:
			stale = append(stale, rec)
		case records.Foreign:
			// Another PID namespace: the owner's lock, not its PID,
			// tells whether it lives.
			if gone, known := r.store.OwnerGone(rec); known {
				if gone {
					stale = append(stale, rec)
				} else {
					r.liveOwners[rec.OwnerLockName()] = true
				}
				continue
			}
			r.forgetIfGone(rec)
		}
	}
	var env *treeEnvIndex
	if needsEnvIndex(stale) {
		env = indexTreeEnv(oldestOwnerStart(stale))
	}
	sem := make(chan struct{}, reapWorkers)
	var wg sync.WaitGroup
	for _, rec := range stale {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			r.stopTree(ctx, rec, env)
		})
	}
	wg.Wait()
	return len(stale), nil
}

// oldestOwnerStart is the earliest start time of the owners of recs: no
// member of their trees is older.
func oldestOwnerStart(recs []*records.Record) uint64 {
	var oldest uint64
	for i, rec := range recs {
		if i == 0 || rec.Owner.Start < oldest {
			oldest = rec.Owner.Start
		}
	}
	return oldest
}

// load reads one record; an untrusted one is set aside and gives nil.
func (r *reaper) load(name string) *records.Record {
	if !strings.HasSuffix(name, ".json") {
		r.setAside(name, "not a record file")
		return nil
	}
	rec, err := r.store.Read(name)
	var aside *records.SetAsideError
	switch {
	case err == nil:
		return rec
	case errors.Is(err, fs.ErrNotExist):
		return nil // removed meanwhile by its owner
	case errors.As(err, &aside):
		r.setAside(name, aside.Reason)
	default:
		r.logger.Warn("corral: cannot read record; skipped", "file", name, "err", err)
	}
	return nil
}

func (r *reaper) setAside(name, reason string) {
	r.logger.Warn("corral: record set aside, not acted on", "file", name, "reason", reason)
	if err := r.store.SetAside(name); err != nil {
		r.logger.Warn("corral: cannot set record aside", "file", name, "err", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.report.SetAside = append(r.report.SetAside, SetAsideRecord{File: name, Reason: reason})
}

// forgetIfGone forgets a record of another PID namespace whose tree has
// no process left, removing its empty cgroup: what remains after that
// namespace died with its owner. It never signals anything.
func (r *reaper) forgetIfGone(rec *records.Record) {
	if time.Since(rec.Created) < records.ForeignGoneAge {
		return
	}
	switch rec.Containment {
	case ContainmentCgroup:
		if pathExists(rec.Cgroup) {
			if empty, err := cgroup.Empty(rec.Cgroup); err != nil || !empty || !r.homeCgroup(rec.Cgroup) || !isTreeCgroup(rec.Cgroup, rec.Tree) {
				return
			}
			if err := cgroup.Remove(rec.Cgroup); err != nil {
				return
			}
		}
	default:
		if len(newPgroupTarget(rec, nil).members()) > 0 {
			return
		}
	}
	r.forget(rec, 0)
}

// forget removes the record of a tree that has nothing left to stop.
func (r *reaper) forget(rec *records.Record, signalled int) {
	if err := r.store.Remove(rec.FileName()); err != nil {
		r.logger.Warn("corral: remove record", "file", rec.FileName(), "err", err)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.report.Reaped = append(r.report.Reaped, ReapedTree{
		Tree: rec.Tree, Name: rec.Name, Containment: rec.Containment, Owner: rec.Owner.PID, Signalled: signalled,
	})
}

// homeCgroup reports whether path lies in this corral home's own cgroup
// directory (<mount>/…/corral/<home key>/<tree>): a record cannot make a
// reaper act on a cgroup elsewhere, nor on another home's trees.
func (r *reaper) homeCgroup(path string) bool {
	mount := cgroup.Mount()
	return mount != "" && strings.HasPrefix(path, mount+"/") &&
		filepath.Base(filepath.Dir(path)) == records.HomeCgroupKey(r.store.Home())
}

// unmarkedAtOwnPath reports whether rec's cgroup, which lacks the tree's
// mark, is nonetheless the tree's: an unmarked cgroup2 directory of this
// user exactly where this process would have made the tree's cgroup
// (records.CgroupPath in this process's corral cgroup directory), where
// only this user (who made it) and root can create one. A cgroup shaped
// like ours anywhere else is not trusted without its mark. A process of a root
// tree can remove the mark; without this, its record would be set aside
// and the tree left running forever.
func (r *reaper) unmarkedAtOwnPath(rec *records.Record) bool {
	where := probeContainment().Where
	return where != "" && rec.Cgroup == records.CgroupPath(where, r.store.Home(), rec.Tree) && cgroup.IsUnmarked(rec.Cgroup)
}

// stopTree stops what is left of a tree whose owner is dead, then removes
// its record (and cgroup). A cgroup record that names something other
// than a cgroup directory of ours is set aside instead.
func (r *reaper) stopTree(ctx context.Context, rec *records.Record, env *treeEnvIndex) {
	var t reapTarget
	switch rec.Containment {
	case ContainmentCgroup:
		if !pathExists(rec.Cgroup) {
			r.forget(rec, 0)
			return
		}
		if cgroup.IsUnmarkedEmpty(rec.Cgroup) {
			// Its owner died before marking it.
			if err := cgroup.Remove(rec.Cgroup); err != nil {
				r.logger.Warn("corral: remove unmarked cgroup", "cgroup", rec.Cgroup, "err", err)
				return
			}
			r.forget(rec, 0)
			return
		}
		if !r.homeCgroup(rec.Cgroup) {
			r.setAside(rec.FileName(), "names "+rec.Cgroup+", which is outside this corral home's cgroup directory")
			return
		}
		if !isTreeCgroup(rec.Cgroup, rec.Tree) {
			if !r.unmarkedAtOwnPath(rec) {
				r.setAside(rec.FileName(), "names "+rec.Cgroup+", which is not a corral cgroup of this tree")
				return
			}
			r.logger.Warn("corral: a tree's cgroup has lost its mark (a process of the tree with root removed it); it is at the tree's own path in this home's cgroup directory, so it is stopped as the tree", "tree", rec.Tree, "cgroup", rec.Cgroup)
		}
		t = cgroupTarget{path: rec.Cgroup}
	default:
		pt := newPgroupTarget(rec, env)
		pt.settle = true
		t = pt
	}
	grace := min(rec.Grace, maxReapGrace)
	n, err := stopTarget(ctx, t, grace, r.shield, func(n int) {
		if r.stopping != nil {
			r.stopping(StoppingTree{Tree: rec.Tree, Name: rec.Name, Owner: rec.Owner.PID, Processes: n, Grace: grace})
		}
	})
	if errors.Is(err, errShielded) {
		r.logger.Warn("corral: tree of a dead owner left alone: it holds this reaper or its shell", "tree", rec.Tree, "name", rec.Name)
		return
	}
	if err != nil {
		r.logger.Warn("corral: stop tree of a dead owner", "tree", rec.Tree, "err", err)
	}
	// The stop waited for the processes it found first. One forked
	// meanwhile by a member that then exited (a descendant hopping from
	// PID to PID) is looked for again, killed, and while any is left the
	// record stays for the next pass or the next reap.
	if n > 0 {
		if left := t.members(); len(left) > 0 {
			t.kill()
			if left = t.members(); len(left) > 0 {
				r.logger.Warn("corral: tree of a dead owner still has processes; its record is kept for the next reap", "tree", rec.Tree, "name", rec.Name, "processes", len(left))
				return
			}
		}
	}
	if err := t.release(); err != nil {
		r.logger.Warn("corral: release containment", "tree", rec.Tree, "err", err)
	}
	r.logger.Info("corral: reaped tree of a dead owner", "tree", rec.Tree, "name", rec.Name, "signalled", n)
	r.forget(rec, n)
}

// reapTarget is what the reaper can do to a tree it did not start.
type reapTarget interface {
	// members lists the processes of the tree that are provably ours.
	members() []int
	signal(sig syscall.Signal) error
	kill() error
	release() error
}

// stopTarget stops a tree with the stop sequence (SIGTERM, grace, SIGKILL,
// a bounded wait), calling before, when not nil, with the number of its
// processes just before the first signal. It returns how many processes were running at the
// start, and the errors of the signals sent.
//
// A member counts as gone only once it is a zombie or reaped, checked by
// its identity: a process in the middle of exiting may already have left
// its cgroup and lost its environment, and if it owns other trees, the
// next pass must see it dead.
func stopTarget(ctx context.Context, t reapTarget, grace time.Duration, sh *shield, before func(n int)) (int, error) {
	pids := t.members()
	if len(pids) == 0 {
		return 0, nil
	}
	if sh.anyOf(pids) != 0 {
		return 0, errShielded
	}
	if before != nil {
		before(len(pids))
	}
	ids := make([]records.Identity, 0, len(pids))
	for _, pid := range pids {
		if id, err := records.IdentityOf(pid); err == nil {
			ids = append(ids, id)
		}
	}
	seq := stop.New(reapStopTarget{t, ids}, stop.Options{Grace: grace})
	err := seq.Run(ctx, stop.Wait{})
	return len(pids), err
}

// reapStopTarget is a reapTarget as the stop sequence sees it.
type reapStopTarget struct {
	t   reapTarget
	ids []records.Identity
}

func (s reapStopTarget) Signal(sig syscall.Signal) error { return s.t.signal(sig) }
func (s reapStopTarget) Kill() error                     { return s.t.kill() }
func (s reapStopTarget) Empty() (bool, error) {
	for _, id := range s.ids {
		if id.Alive() {
			return false, nil
		}
	}
	return len(s.t.members()) == 0, nil
}
