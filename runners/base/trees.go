package base

import (
	"context"
	"slices"
	"strings"

	"github.com/corralrun/corral/internal/records"
)

// ListTrees returns the recorded trees whose processes still run, for
// display. It only reads: it neither reaps nor sets records aside, and a
// record it cannot trust is left out; a missing corral home is no tree,
// and is not created. Figures are a snapshot, summed over the tree's
// members (its cgroup's processes, or its group's and marked ones), so a
// process that left the leader's descendants still counts; CPU is their
// usage since the leader started.
func ListTrees(ctx context.Context) ([]TreeStatus, error) {
	store, err := records.OpenExisting()
	if err != nil || store == nil {
		return nil, err
	}
	names, err := store.Names()
	if err != nil {
		return nil, err
	}
	boot, err := records.BootID()
	if err != nil {
		return nil, err
	}
	var out []TreeStatus
	var env *treeEnvIndex
	var snap *treeSnapshot // one walk of every process, shared by all trees
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if !strings.HasSuffix(name, ".json") {
			continue
		}
		rec, err := store.Read(name)
		if err != nil || rec.Boot != boot {
			continue
		}
		if env == nil && rec.Containment == ContainmentPgroup && !rec.External {
			env = indexTreeEnv(0)
		}
		if st, ok := treeStatus(ctx, rec, env, &snap); ok {
			out = append(out, st)
		}
	}
	slices.SortFunc(out, func(a, b TreeStatus) int { return a.Started.Compare(b.Started) })
	return out, nil
}

func treeStatus(ctx context.Context, rec *records.Record, env *treeEnvIndex, snap **treeSnapshot) (TreeStatus, bool) {
	var pids []int
	if rec.Containment == ContainmentCgroup {
		pids = cgroupTarget{path: rec.Cgroup}.members()
	} else {
		pt := newPgroupTarget(rec, env)
		pt.indexOnly = env != nil // a display: the listing's one walk is enough
		pids = pt.members()
	}
	if len(pids) == 0 {
		return TreeStatus{}, false
	}
	st := TreeStatus{
		Tree: rec.Tree, Name: rec.Name, Containment: rec.Containment, Cgroup: rec.Cgroup,
		Owner: rec.Owner.PID, OwnerAlive: rec.OwnerNS != records.PIDNamespace() || rec.Owner.Alive(), Started: rec.Created,
		Processes: len(pids), Leader: slices.Min(pids),
	}
	if rec.Leader.Alive() {
		st.Leader = rec.Leader.PID
	}
	if *snap == nil {
		*snap = newTreeSnapshot(ctx)
	}
	st.State, st.CPU, st.Memory = (*snap).figures(ctx, st.Leader, pids)
	return st, true
}
