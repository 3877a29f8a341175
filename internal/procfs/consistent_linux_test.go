package procfs

import (
	"os"
	"os/exec"
	"testing"
)

func TestLastPIDFollowsForks(t *testing.T) {
	before, err := LastPID()
	if err != nil {
		t.Skipf("no %s here: %v", lastPIDFile, err)
	}
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	after, err := LastPID()
	if err != nil {
		t.Fatal(err)
	}
	if pid := cmd.Process.Pid; !(before < pid && pid <= after) && after >= before {
		t.Errorf("child %d not in (%d, %d]", pid, before, after)
	}
}

// A process forked by fn during the walk, after /proc was listed, is
// found by the catch-up look even though the walk never reads it.
func TestEachConsistentFindsAProcessForkedDuringTheWalk(t *testing.T) {
	if _, err := LastPID(); err != nil {
		t.Skipf("no %s here: %v", lastPIDFile, err)
	}
	var child *exec.Cmd
	seen := false
	self := os.Getpid()
	ok := EachConsistent(func(pid int, st Stat) {
		if pid == self && child == nil {
			child = exec.Command("sleep", "30")
			if err := child.Start(); err != nil {
				t.Fatal(err)
			}
		}
		if child != nil && pid == child.Process.Pid {
			seen = true
		}
	})
	if child == nil {
		t.Fatal("the walk did not visit this process")
	}
	defer func() { child.Process.Kill(); child.Wait() }()
	if !seen {
		t.Errorf("child %d, forked during the walk, was not found (consistent: %v)", child.Process.Pid, ok)
	}
}
