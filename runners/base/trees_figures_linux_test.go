package base

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/corralrun/corral/internal/procfs"
	"github.com/corralrun/corral/internal/records"
)

// TestListTreesCountsEscapedMembers: a tree's memory and CPU are summed
// over its members, so a process that left the leader's descendants
// (double fork: re-parented away from the leader) still counts.
func TestListTreesCountsEscapedMembers(t *testing.T) {
	forEachListedContainment(t, func(t *testing.T, env *NativeEnvironment) {
		ctx := testCtx(t)
		p, err := env.NewProcess("sh", "-c", "(sleep 300 &); echo ready; exec sleep 300")
		if err != nil {
			t.Fatal(err)
		}
		ready := newBenchLineSignal("ready")
		p.WithOutput(ready)
		if err := p.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { env.Stop(context.Background()) })
		<-ready.seen
		leader := p.(*NativeProc).PID()

		// Both sleeps exec'd: the leader, and the escaper
		// re-parented away from it.
		var escaper int
		settled := pollUntil(ctx, 10*time.Second, func() bool {
			procs, err := procfs.Scan(ctx)
			if err != nil || procs[leader].Comm != "sleep" {
				return false
			}
			for pid, s := range procs {
				if pid != leader && s.PPID != leader && s.PGID == procs[leader].PGID && s.Comm == "sleep" {
					escaper = pid
					return true
				}
			}
			return false
		})
		if !settled {
			t.Fatal("the tree's two sleeps did not settle")
		}
		// Startup faults pages in after exec: compare the listing with a
		// walk right after it until both sleeps have settled.
		page := uint64(os.Getpagesize())
		var st TreeStatus
		var want uint64
		same := pollUntil(ctx, 10*time.Second, func() bool {
			trees, err := ListTrees(ctx)
			if err != nil || len(trees) != 1 {
				return false
			}
			st = trees[0]
			procs, err := procfs.Scan(ctx)
			if err != nil {
				return false
			}
			want = (procs[leader].RSSPages + procs[escaper].RSSPages) * page
			return st.Processes == 2 && st.Memory == want
		})
		if !same {
			t.Errorf("listing %+v: memory %d, want %d, the leader's and the escaped member's", st, st.Memory, want)
		}
	})
}

// forEachListedContainment runs f in a subtest per containment, with a
// native environment of that containment and a corral home of the
// subtest's own; a cgroup subtest skips where no cgroup is writable.
func forEachListedContainment(t *testing.T, f func(t *testing.T, env *NativeEnvironment)) {
	for _, kind := range []ContainmentKind{ContainmentCgroup, ContainmentPgroup} {
		t.Run(string(kind), func(t *testing.T) {
			if kind == ContainmentCgroup && probeContainment().Kind != ContainmentCgroup {
				requireOrSkip(t, "no writable cgroup here")
			}
			t.Setenv(records.HomeEnv, t.TempDir())
			env, err := NewNativeEnvironment(context.Background(), t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			env.containment = Containment{Kind: kind, Where: probeContainment().Where}
			f(t, env)
		})
	}
}
