package base

import (
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/corralrun/corral/internal/procfs"
	"github.com/corralrun/corral/internal/records"
)

// startListed starts n trees of `sleep` in env and waits until each runs.
func startListed(t testing.TB, ctx context.Context, env *NativeEnvironment, n int) []*NativeProc {
	var procs []*NativeProc
	for range n {
		p, err := env.NewProcess("sh", "-c", "echo ready; exec sleep 300")
		if err != nil {
			t.Fatal(err)
		}
		ready := newBenchLineSignal("ready")
		p.WithOutput(ready)
		if err := p.Start(ctx); err != nil {
			t.Fatal(err)
		}
		<-ready.seen
		procs = append(procs, p.(*NativeProc))
	}
	return procs
}

func TestListTreesShowsLiveTrees(t *testing.T) {
	forEachListedContainment(t, func(t *testing.T, env *NativeEnvironment) {
		kind := env.containment.Kind
		ctx := testCtx(t)
		procs := startListed(t, ctx, env, 2)
		t.Cleanup(func() { env.Stop(context.Background()) })
		// "ready" comes before the exec of sleep, whose pages fault in
		// after it: a listing at once may catch a leader without memory.
		var trees []TreeStatus
		var err error
		pollUntil(ctx, 10*time.Second, func() bool {
			trees, err = ListTrees(ctx)
			return err == nil && len(trees) == 2 && trees[0].Memory > 0 && trees[1].Memory > 0
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(trees) != 2 {
			t.Fatalf("%d trees listed, want 2: %+v", len(trees), trees)
		}
		for i, st := range trees {
			if st.Leader != procs[i].PID() || st.Processes != 1 || !st.OwnerAlive || st.Containment != kind {
				t.Errorf("tree %d: %+v, want leader %d, 1 process, live owner, %s", i, st, procs[i].PID(), kind)
			}
			if st.State != InterruptibleSleep && st.State != Running || st.Memory == 0 {
				t.Errorf("tree %d: state %v, memory %d; want a sleeping tree with memory", i, st.State, st.Memory)
			}
		}
	})
}

// BenchmarkListTrees lists 50 live trees, against its baseline, one walk
// of every process (issue 11, item 10: target under 50 ms).
func BenchmarkListTrees(b *testing.B) {
	b.Setenv(records.HomeEnv, b.TempDir())
	env, err := NewNativeEnvironment(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	startListed(b, ctx, env, 50)
	b.Cleanup(func() { env.Stop(context.Background()) })
	b.Run("walk", func(b *testing.B) {
		for b.Loop() {
			if _, err := procfs.Scan(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("list-50", func(b *testing.B) {
		for b.Loop() {
			trees, err := ListTrees(ctx)
			if err != nil || len(trees) != 50 {
				b.Fatalf("%d trees, %v", len(trees), err)
			}
		}
	})
	// The target is for 1000 processes on the machine: as many
	// plain sleeps as that takes (outside every tree) join for these.
	fillProcesses(b, 1000)
	b.Run("walk-at-1000", func(b *testing.B) {
		for b.Loop() {
			if _, err := procfs.Scan(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("list-50-at-1000", func(b *testing.B) {
		for b.Loop() {
			trees, err := ListTrees(ctx)
			if err != nil || len(trees) != 50 {
				b.Fatalf("%d trees, %v", len(trees), err)
			}
		}
	})
}

// fillProcesses starts sleeps until the machine has at least n
// processes, and stops them when b ends.
func fillProcesses(b *testing.B, n int) {
	all, err := procfs.Scan(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	var cmds []*exec.Cmd
	b.Cleanup(func() {
		for _, c := range cmds {
			c.Process.Kill()
			c.Wait()
		}
	})
	for i := len(all); i < n; i++ {
		c := exec.Command("sleep", "3600")
		if err := c.Start(); err != nil {
			b.Fatal(err)
		}
		cmds = append(cmds, c)
	}
}
