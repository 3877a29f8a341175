package procfs

import (
	"os"
	"os/exec"
	"strconv"
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

// leadsThreadGroup tells this process from its other threads, whose
// /proc/TID/stat reads as a process's would: EachConsistent's catch-up
// look reports only the first.
func TestLeadsThreadGroup(t *testing.T) {
	self := os.Getpid()
	if !leadsThreadGroup(self) {
		t.Errorf("leadsThreadGroup(%d) = false for this process", self)
	}
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	others := 0
	for _, task := range tasks {
		tid, _ := strconv.Atoi(task.Name())
		if tid == self {
			continue
		}
		others++
		if _, err := ReadStat(tid); err != nil {
			continue // exited meanwhile
		}
		if leadsThreadGroup(tid) {
			t.Errorf("thread %d of this process taken for a process", tid)
		}
	}
	if others == 0 {
		t.Fatal("this process shows no other thread: a Go program always has several")
	}
}
