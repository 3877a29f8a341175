package base

import (
	"context"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/corralrun/corral/internal/records"
	"github.com/corralrun/corral/resources"
)

// hopScript starts a PID-hopping descendant: a process that, in a loop,
// forks a setsid successor of itself and exits, keeping CORRAL_TREE (and
// the test's mark) all along; then the leader says ready and waits.
const hopScript = `trap "" TERM; export HOP='sleep 0.004; setsid -f sh -c "$HOP"'; setsid -f sh -c "$HOP"; echo ready; exec sleep 300`

// stillMarked reports whether any of n looks at the processes, 10 ms
// apart, finds one carrying mark: a hopper is seen by nearly every look.
func stillMarked(mark string, n int) []int {
	for range n {
		if pids := markedPids(mark); len(pids) > 0 {
			return pids
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}

// killHoppers kills whatever carries mark until a second of looks finds
// nothing, so that a failed test leaves no hopper behind.
func killHoppers(mark string) {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		pids := stillMarked(mark, 100)
		if len(pids) == 0 {
			return
		}
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// TestStopCatchesPIDHopper: neither Stop nor the end of the leader
// leaves a process-group tree's descendant that hops from PID to PID
// through setsid (issue 11, item 1).
func TestStopCatchesPIDHopper(t *testing.T) {
	for _, tt := range []struct {
		name   string
		script string
		end    func(context.Context, Proc) error
	}{
		{"Stop", hopScript, func(ctx context.Context, p Proc) error { return p.Stop(ctx) }},
		{"leader exits", strings.TrimSuffix(hopScript, "; exec sleep 300"), func(ctx context.Context, p Proc) error { return p.Wait(ctx) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			mark := newMark(t)
			t.Cleanup(func() { killHoppers(mark) })
			t.Setenv("CORRAL_HOME", t.TempDir())
			env, err := NewNativeEnvironment(context.Background(), t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			env.containment = Containment{Kind: ContainmentPgroup}
			env.WithGracePeriod(200 * time.Millisecond)
			p, err := env.NewProcess("/bin/sh", "-c", tt.script)
			if err != nil {
				t.Fatal(err)
			}
			p.WithEnvironmentVariables(context.Background(), resources.Env(markEnv, mark))
			ready := newBenchLineSignal("ready")
			p.WithOutput(ready)
			if err := p.Start(testCtx(t)); err != nil {
				t.Fatal(err)
			}
			if !ready.waitFor(20 * time.Second) {
				t.Fatal("no \"ready\" line within 20 s")
			}
			if err := tt.end(testCtx(t), p); err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if left := stillMarked(mark, 100); len(left) > 0 {
				t.Fatalf("a PID-hopping descendant survived: %v", left)
			}
		})
	}
}

// TestReapCatchesPIDHopper: the reaper stops a dead owner's process-group
// tree whose descendant hops from PID to PID, and removes the record only
// once nothing of it is left (issue 11, item 1).
func TestReapCatchesPIDHopper(t *testing.T) {
	t.Setenv("CORRAL_HOME", t.TempDir())
	mark := newMark(t)
	t.Cleanup(func() { killHoppers(mark) })
	owner := startOwner(t, mark, string(ContainmentPgroup), "hopper")
	killOwner(t, owner)
	if _, err := Reap(testCtx(t), ReapOptions{}); err != nil {
		t.Fatal(err)
	}
	left := stillMarked(mark, 100)
	store, err := records.Open()
	if err != nil {
		t.Fatal(err)
	}
	names, _ := store.Names()
	if len(left) > 0 {
		t.Errorf("a PID-hopping descendant survived Reap: %v", left)
		if len(names) == 0 {
			t.Error("and its record was removed")
		}
	} else if len(names) != 0 {
		t.Errorf("records left after Reap stopped everything: %v", names)
	}
}
