package main

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/corralrun/corral/internal/procfs"
)

// guardiansOf returns the live guardian processes of the corral with PID
// owner: those whose environment holds CORRAL_GUARDIAN=3:<owner>:….
func guardiansOf(owner int) []int {
	prefix := "3:" + strconv.Itoa(owner) + ":"
	var pids []int
	procfs.Each(func(pid int, _ procfs.Stat) {
		if v, ok := procfs.EnvironValue(pid, "CORRAL_GUARDIAN"); ok && strings.HasPrefix(v, prefix) {
			pids = append(pids, pid)
		}
	})
	return pids
}

// killGuardianOf SIGKILLs the guardian of the corral with PID owner, for
// tests of what the reaper does when the guardian is gone too.
func killGuardianOf(t *testing.T, owner int) {
	t.Helper()
	var pids []int
	eventually(t, 5*time.Second, "corral run has no guardian", func() bool {
		pids = guardiansOf(owner)
		return len(pids) > 0
	})
	for _, pid := range pids {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// TestE2EKillStopsTreeAtOnce: after kill -9 of corral run, its guardian
// stops the tree without any reap, and exits; a later reap finds nothing.
func TestE2EKillStopsTreeAtOnce(t *testing.T) {
	containments(t, func(t *testing.T, env []string) {
		e := newE2E(t, env...)
		marker := newMarker(t)
		killMarked(t, marker)
		cmd, _ := e.start("run", "--grace", "1s", "-e", markerEnv+"="+marker, "--", "sh", "-c", "sleep 300 & sleep 300 & wait")
		eventually(t, 10*time.Second, "the tree did not start", func() bool { return len(markedProcs(marker)) >= 3 })
		tree := treeOf(t, markedProcs(marker)[0])
		if len(guardiansOf(cmd.Process.Pid)) != 1 {
			t.Fatalf("corral run has %d guardians, want 1", len(guardiansOf(cmd.Process.Pid)))
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		e.wait(cmd, 5*time.Second)
		eventually(t, 5*time.Second, "the tree outlived corral's kill -9", func() bool { return len(markedProcs(marker)) == 0 })
		eventually(t, 5*time.Second, "the guardian outlived its reap", func() bool { return len(guardiansOf(cmd.Process.Pid)) == 0 })
		if r := e.run("", "reap"); strings.Contains(r.stdout, tree) {
			t.Errorf("reap printed %q: the guardian left the tree's record", r.stdout)
		}
	})
}

// TestE2ERunLeavesNoGuardian: a corral run that ends normally ends its
// guardian too, and waits for it: no zombie, also with process groups,
// where corral is a child subreaper reaping adopted orphans.
func TestE2ERunLeavesNoGuardian(t *testing.T) {
	containments(t, func(t *testing.T, env []string) {
		e := newE2E(t, env...)
		cmd, _ := e.start("run", "--", "sleep", "1")
		var g int
		eventually(t, 10*time.Second, "corral run has no guardian", func() bool {
			gs := guardiansOf(cmd.Process.Pid)
			if len(gs) == 1 {
				g = gs[0]
			}
			return g != 0
		})
		if code := e.wait(cmd, 10*time.Second); code != 0 {
			t.Fatalf("exit code %d", code)
		}
		if _, err := os.Stat("/proc/" + strconv.Itoa(g)); err == nil {
			t.Errorf("guardian %d still there (running or a zombie) after corral exited", g)
		}
	})
}

// TestE2ENoGuardian: corral run --no-guardian starts none, and a tree
// whose corral is killed then waits for the next corral command.
func TestE2ENoGuardian(t *testing.T) {
	e := newE2E(t, "CORRAL_CONTAINMENT=pgroup")
	marker := newMarker(t)
	killMarked(t, marker)
	cmd, _ := e.start("run", "--no-guardian", "-e", markerEnv+"="+marker, "--", "sh", "-c", "sleep 300 & sleep 300 & wait")
	eventually(t, 10*time.Second, "the tree did not start", func() bool { return len(markedProcs(marker)) >= 3 })
	if n := len(guardiansOf(cmd.Process.Pid)); n != 0 {
		t.Fatalf("corral run --no-guardian has %d guardians", n)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	e.wait(cmd, 5*time.Second)
	if n := len(markedProcs(marker)); n < 3 {
		t.Fatalf("%d processes left after kill -9 without a guardian, want the 3 of the tree until a reap", n)
	}
	if r := e.run("", "reap"); r.code != 0 {
		t.Fatalf("reap: exit %d, stderr %q", r.code, r.stderr)
	}
	eventually(t, 5*time.Second, "the reap to stop the tree", func() bool { return len(markedProcs(marker)) == 0 })
}
