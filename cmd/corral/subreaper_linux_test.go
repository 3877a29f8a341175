package main

import (
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/corralrun/corral/internal/procfs"
)

// TestE2ESubreaperReapsOrphans: under process-group containment, corral
// run adopts what its command double-forks, and reaps it when it dies,
// while the command's leader runs on.
func TestE2ESubreaperReapsOrphans(t *testing.T) {
	e := newE2E(t, "CORRAL_CONTAINMENT=pgroup")
	marker := newMarker(t)
	killMarked(t, marker)
	// The subshell forks a sleep and exits: the sleep is orphaned.
	cmd, stderr := e.start("run", "-e", markerEnv+"="+marker, "--", "sh", "-c", "(sleep 300 &); exec sleep 301")
	corral := cmd.Process.Pid
	var orphan, leader int
	eventually(t, 10*time.Second, "no orphan was re-parented to corral", func() bool {
		orphan, leader = 0, 0
		for _, pid := range markedProcs(marker) {
			if _, ppid, ok := procStateAndParent(pid); ok && ppid == corral {
				if cmdline(pid) == "sleep 300" {
					orphan = pid
				} else {
					leader = pid
				}
			}
		}
		return orphan != 0 && leader != 0
	})
	if err := syscall.Kill(orphan, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Reaped, not a zombie: the PID is gone from /proc entirely (or, were
	// it reused already, no longer a child of corral).
	eventually(t, 5*time.Second, "the dead orphan was not reaped by corral", func() bool {
		_, ppid, ok := procStateAndParent(orphan)
		return !ok || ppid != corral
	})
	// The leader is the library's to reap: still alive, still corral's.
	if state, ppid, ok := procStateAndParent(leader); !ok || ppid != corral || state == 'Z' {
		t.Fatalf("leader %d: state %c, parent %d, found %v; want a live child of corral", leader, state, ppid, ok)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := e.wait(cmd, 15*time.Second); code != 143 {
		t.Errorf("exit code %d, want 143 (stderr %q)", code, stderr())
	}
	eventually(t, 5*time.Second, "processes of the tree survived corral", func() bool { return len(markedProcs(marker)) == 0 })
}

// cmdline returns the command line of pid, arguments joined by spaces.
func cmdline(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return ""
	}
	for i := range b {
		if b[i] == 0 {
			b[i] = ' '
		}
	}
	return string(trimSpace(b))
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	return b
}

func TestZombieChildrenExcludesLeader(t *testing.T) {
	// A zombie child of this test, which must be listed, unless excluded.
	p, err := os.StartProcess("/bin/true", []string{"true"}, &os.ProcAttr{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Wait()
	self := os.Getpid()
	eventually(t, 5*time.Second, "no zombie child found", func() bool {
		for _, pid := range procfs.ZombieChildren(self, 0) {
			if pid == p.Pid {
				return true
			}
		}
		return false
	})
	for _, pid := range procfs.ZombieChildren(self, p.Pid) {
		if pid == p.Pid {
			t.Errorf("zombieChildren listed the excluded pid %d", pid)
		}
	}
}

// procStateAndParent reads the state and parent of pid.
func procStateAndParent(pid int) (state byte, ppid int, ok bool) {
	st, err := procfs.ReadStat(pid)
	if err != nil {
		return 0, 0, false
	}
	return st.State, st.PPID, true
}
