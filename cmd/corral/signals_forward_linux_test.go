package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// startScript starts `corral run -- sh -c script` with stdout and stderr
// in files, waits for the script to print "ready", and returns corral's
// process, a reader of each file and corral's wait status.
func startScript(t *testing.T, e *e2e, script string) (*os.Process, func(name string) string, <-chan syscall.WaitStatus) {
	t.Helper()
	cmd := e.command("run", "--grace", "10s", "--", "sh", "-c", script)
	dir := t.TempDir()
	out, err := os.Create(filepath.Join(dir, "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	errf, err := os.Create(filepath.Join(dir, "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, errf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	out.Close()
	errf.Close()
	ws := make(chan syscall.WaitStatus, 1)
	go func() { cmd.Wait(); ws <- cmd.ProcessState.Sys().(syscall.WaitStatus) }()
	t.Cleanup(func() { cmd.Process.Kill() })
	read := func(name string) string { b, _ := os.ReadFile(filepath.Join(dir, name)); return string(b) }
	eventually(t, 10*time.Second, "the command to say ready", func() bool { return strings.Contains(read("stdout"), "ready") })
	return cmd.Process, read, ws
}

// SIGUSR1, SIGUSR2 and SIGALRM sent to corral reach the command and stop
// nothing (issue 11, item 8): the command answers each, then exits on
// its own, and corral exits with its status.
func TestE2EForwardsUSR1USR2ALRM(t *testing.T) {
	e := newE2E(t)
	script := `n=0; for s in USR1 USR2 ALRM; do trap "echo got $s; n=\$((n+1))" $s; done; echo ready; ` +
		`while [ $n -lt 3 ]; do sleep 0.05; done; exit 7`
	p, read, ws := startScript(t, e, script)
	for _, sig := range []syscall.Signal{syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGALRM} {
		if err := p.Signal(sig); err != nil {
			t.Fatal(err)
		}
		want := "got " + strings.TrimPrefix(unix.SignalName(sig), "SIG")
		eventually(t, 10*time.Second, "the command to say "+want, func() bool { return strings.Contains(read("stdout"), want) })
	}
	if s := waitStatus(t, ws); s.Signaled() || s.ExitStatus() != 7 {
		t.Fatalf("corral ended with %v (exit %d), want the command's exit 7; stderr %q", s, s.ExitStatus(), read("stderr"))
	}
}

// SIGABRT sent to corral stops the tree with the stop signal, not with
// ABRT (which would make it dump core), prints no goroutine dump, and
// corral exits 134 (issue 11, item 8).
func TestE2EAbortIsAStop(t *testing.T) {
	e := newE2E(t)
	marker := newMarker(t)
	killMarked(t, marker)
	e.env = append(e.env, markerEnv+"="+marker)
	script := `trap "echo got TERM; exit 0" TERM; trap "echo got ABRT; exit 0" ABRT; sleep 1000 & echo ready; wait`
	p, read, ws := startScript(t, e, script)
	if err := p.Signal(syscall.SIGABRT); err != nil {
		t.Fatal(err)
	}
	s := waitStatus(t, ws)
	if s.Signaled() || s.ExitStatus() != 128+int(syscall.SIGABRT) {
		t.Fatalf("corral ended with %v (exit %d), want exit 134; stderr %q", s, s.ExitStatus(), read("stderr"))
	}
	if got := read("stdout"); !strings.Contains(got, "got TERM") || strings.Contains(got, "got ABRT") {
		t.Fatalf("command said %q, want the stop signal (TERM) and no ABRT", got)
	}
	if strings.Contains(read("stderr"), "goroutine") {
		t.Fatalf("corral printed a goroutine dump: %q", read("stderr"))
	}
	if left := markedProcs(marker); len(left) > 0 {
		t.Fatalf("processes of the tree left after corral exited: %v", left)
	}
}
