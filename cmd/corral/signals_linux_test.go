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

// startWithStdout starts corral with args, its stdout in a file, and
// returns the process and a reader of that file.
func startWithStdout(t *testing.T, e *e2e, args ...string) (*os.Process, func() string, <-chan syscall.WaitStatus) {
	t.Helper()
	cmd := e.command(args...)
	path := filepath.Join(t.TempDir(), "stdout")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	ws := make(chan syscall.WaitStatus, 1)
	go func() {
		cmd.Wait()
		ws <- cmd.ProcessState.Sys().(syscall.WaitStatus)
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	return cmd.Process, func() string { b, _ := os.ReadFile(path); return string(b) }, ws
}

func waitStatus(t *testing.T, ws <-chan syscall.WaitStatus) syscall.WaitStatus {
	t.Helper()
	select {
	case s := <-ws:
		return s
	case <-time.After(20 * time.Second):
		t.Fatal("corral did not exit within 20 s")
	}
	return 0
}

// A command that dies of SIGINT makes corral die of SIGINT, so that a
// shell loop over corral stops at one Ctrl-C (issue 10, item 1).
func TestE2EReraisesCommandsSIGINT(t *testing.T) {
	e := newE2E(t)
	_, _, ws := startWithStdout(t, e, "run", "--", "sh", "-c", "kill -INT $$")
	if s := waitStatus(t, ws); !s.Signaled() || s.Signal() != syscall.SIGINT {
		t.Fatalf("corral ended with %v (exit %d), want death by SIGINT", s, s.ExitStatus())
	}
	_, _, ws = startWithStdout(t, e, "run", "--", "sh", "-c", "exit 130")
	if s := waitStatus(t, ws); s.Signaled() || s.ExitStatus() != 130 {
		t.Fatalf("corral ended with %v, want exit 130: an exit status is not an interrupt", s)
	}
}

// A signal sent to corral reaches the tree as that signal; SIGINT then
// ends corral too, the others give 128+N; SIGQUIT prints no goroutine
// dump (issue 10, item 1; issue 11, item 8).
func TestE2EPassesOnItsSignal(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGQUIT, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			e := newE2E(t)
			script := `for s in INT QUIT HUP TERM; do trap "echo got $s; exit 0" $s; done; echo ready; while :; do sleep 0.05; done`
			p, read, ws := startScript(t, e, script)
			if err := p.Signal(sig); err != nil {
				t.Fatal(err)
			}
			s := waitStatus(t, ws)
			want := "got " + strings.TrimPrefix(unix.SignalName(sig), "SIG")
			if got := read("stdout"); !strings.Contains(got, want) {
				t.Fatalf("command said %q, want %q", got, want)
			}
			switch sig {
			case syscall.SIGHUP, syscall.SIGQUIT:
				if s.Signaled() || s.ExitStatus() != 128+int(sig) {
					t.Fatalf("corral ended with %v, want exit %d", s, 128+int(sig))
				}
			default:
				if !s.Signaled() || s.Signal() != sig {
					t.Fatalf("corral ended with %v (exit %d), want death by %v", s, s.ExitStatus(), sig)
				}
			}
			if strings.Contains(read("stderr"), "goroutine") {
				t.Fatalf("corral printed a goroutine dump: %q", read("stderr"))
			}
		})
	}
}

// --stop-signal is what the tree gets first when corral ends it for a
// reason other than a signal it received (which it passes on), such as
// the leader exiting and leaving children.
func TestE2EStopSignalForLeftovers(t *testing.T) {
	e := newE2E(t)
	r := e.run("", "run", "--stop-signal", "USR1", "--grace", "10s", "--", "sh", "-c",
		`(trap "echo got USR1; exit 0" USR1; trap "echo got TERM; exit 0" TERM; while :; do sleep 0.05; done) & sleep 0.3`)
	if !strings.Contains(r.stdout, "got USR1") || strings.Contains(r.stdout, "got TERM") {
		t.Fatalf("stdout %q, want the leftover child to get SIGUSR1", r.stdout)
	}
}
