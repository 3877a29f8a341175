package main

import (
	"strings"
	"syscall"
	"testing"
	"time"
)

// A command that starts while a dead corral's tree takes its whole grace
// period to stop says so in one line and does not wait for it; the stop
// goes on in a detached reap, which leaves nothing behind (issue 10,
// item 3). Process groups: an orphaned cgroup tree could be swept by
// another test binary's reaper meanwhile, and then nothing would be said.
func TestE2EReapFirstDoesNotWaitForGrace(t *testing.T) {
	for _, guardian := range []bool{false, true} {
		name := "reaped by the next command"
		if guardian {
			name = "stopped by the guardian"
		}
		t.Run(name, func(t *testing.T) { testReapFirstDoesNotWait(t, guardian) })
	}
}

// testReapFirstDoesNotWait: with guardian, the dead corral's guardian is
// stopping the tree (and holds the reap lock) while the next command
// runs, which must not wait for that lock either; it then says nothing.
func testReapFirstDoesNotWait(t *testing.T, guardian bool) {
	e := newE2E(t, "CORRAL_CONTAINMENT=pgroup")
	marker := newMarker(t)
	killMarked(t, marker)
	const grace = 8 * time.Second
	owner, _ := e.start("run", "--grace", grace.String(), "-e", markerEnv+"="+marker, "--",
		"sh", "-c", `trap "" TERM; sleep 300 & wait`)
	eventually(t, 10*time.Second, "the tree to start", func() bool { return len(markedProcs(marker)) >= 2 })
	tree := treeOf(t, markedProcs(marker)[0])
	if !guardian {
		killGuardianOf(t, owner.Process.Pid) // or it stops the orphaned tree itself
	}
	if err := owner.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	e.wait(owner, 5*time.Second)

	start := time.Now()
	r := e.run("", "run", "--", "echo", "hi")
	took := time.Since(start)
	if r.code != 0 || r.stdout != "hi\n" {
		t.Fatalf("corral run -- echo hi: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if took >= grace/2 {
		t.Errorf("corral run -- echo hi took %v: it waited for the stale tree's grace period (%v)", took, grace)
	}
	var said []string
	for line := range strings.Lines(r.stderr) {
		if strings.Contains(line, "stopping a tree left behind") {
			said = append(said, line)
		}
	}
	if !guardian && (len(said) != 1 || !strings.Contains(said[0], tree)) {
		t.Errorf("stderr %q: want one line saying tree %s is being stopped", r.stderr, tree)
	}
	// The detached reap waits the tree's grace out, kills it and exits.
	eventually(t, grace+10*time.Second, "the stale tree to be gone", func() bool { return len(markedProcs(marker)) == 0 })
	eventually(t, 10*time.Second, "no corral of this test to be left", func() bool { return len(procsWithEnv("CORRAL_HOME="+e.home)) == 0 })
}
