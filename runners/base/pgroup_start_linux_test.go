package base

import (
	"context"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/corralrun/corral/internal/procfs"
)

// TestTreeStartOfALeaderThatExitedAtOnce: a process-group tree whose
// leader is already a zombie when the supervisor learns its PID still
// gets the leader's start time as the lower bound of its members (else
// every look for escapers reads the environment of every process on the
// machine).
func TestTreeStartOfALeaderThatExitedAtOnce(t *testing.T) {
	cmd := exec.Command("true")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	pid := cmd.Process.Pid
	var want uint64
	zombie := pollUntil(context.Background(), 10*time.Second, func() bool {
		st, err := procfs.ReadStat(pid)
		want = st.StartTime
		return err == nil && st.Dead()
	})
	if !zombie {
		t.Fatalf("leader %d did not become a zombie within 10s", pid)
	}
	tree := newPgroupTree("test-tree")
	tree.started(pid)
	if tree.start != want || want == 0 {
		t.Errorf("tree start = %d, want the leader's start time %d", tree.start, want)
	}
}
