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

			// Both sleeps settled: the leader exec'd, the escaper
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
			trees, err := ListTrees(ctx)
			if err != nil || len(trees) != 1 || trees[0].Processes != 2 {
				t.Fatalf("ListTrees = %+v, %v; want one tree of 2 processes", trees, err)
			}
			st := trees[0]
			procs, err := procfs.Scan(ctx)
			if err != nil {
				t.Fatal(err)
			}
			page := uint64(os.Getpagesize())
			want := (procs[leader].RSSPages + procs[escaper].RSSPages) * page
			if st.Memory != want {
				t.Errorf("memory %d, want %d: the leader's %d and the escaped member's %d", st.Memory, want, procs[leader].RSSPages*page, procs[escaper].RSSPages*page)
			}
		})
	}
}
