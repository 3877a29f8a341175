package stop

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/corralrun/corral/internal/procfs"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// groupTarget is a real process group started by the test.
type groupTarget struct {
	cmd *exec.Cmd

	mu      sync.Mutex
	signals []syscall.Signal
}

func startGroup(t *testing.T, script string) *groupTarget {
	t.Helper()
	cmd := exec.Command("sh", "-c", script)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	g := &groupTarget{cmd: cmd}
	reaped := make(chan struct{})
	t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); <-reaped })
	go func() { // reap the leader so that Empty can see it go
		cmd.Wait()
		close(reaped)
	}()
	buf := make([]byte, 6)
	if _, err := out.Read(buf); err != nil || !strings.HasPrefix(string(buf), "ready") {
		t.Fatalf("group did not get ready: %q, %v", buf, err)
	}
	return g
}

func (g *groupTarget) Signal(sig syscall.Signal) error {
	g.mu.Lock()
	g.signals = append(g.signals, sig)
	g.mu.Unlock()
	err := syscall.Kill(-g.cmd.Process.Pid, sig)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}
func (g *groupTarget) Kill() error { return g.Signal(syscall.SIGKILL) }
func (g *groupTarget) Empty() (bool, error) {
	return len(procfs.GroupMembers(g.cmd.Process.Pid, 0)) == 0, nil
}
func (g *groupTarget) sent() []syscall.Signal {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]syscall.Signal(nil), g.signals...)
}

func TestRunTermEnoughNoKill(t *testing.T) {
	g := startGroup(t, "sleep 30 & echo ready; wait")
	s := New(g, Options{Grace: 10 * time.Second})
	start := time.Now()
	if err := s.Run(context.Background(), Wait{}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %v: the grace period was waited out", d)
	}
	want := []syscall.Signal{syscall.SIGTERM, syscall.SIGCONT}
	if got := g.sent(); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("signals %v, want %v", got, want)
	}
}

func TestRunKillsAfterGrace(t *testing.T) {
	g := startGroup(t, "trap '' INT; echo ready; while :; do sleep 0.05; done")
	s := New(g, Options{Grace: 200 * time.Millisecond, Signal: syscall.SIGINT})
	start := time.Now()
	if err := s.Run(context.Background(), Wait{}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Fatalf("killed after %v, before the grace period", d)
	}
	got := g.sent()
	if len(got) != 3 || got[0] != syscall.SIGINT || got[2] != syscall.SIGKILL {
		t.Fatalf("signals %v, want INT, CONT, KILL", got)
	}
}

func TestRunCancelledSkipsGrace(t *testing.T) {
	g := startGroup(t, "trap '' TERM; echo ready; while :; do sleep 0.05; done")
	s := New(g, Options{Grace: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if err := s.Run(ctx, Wait{}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %v with a cancelled context", d)
	}
}

func TestRunConcurrentSignalsOnce(t *testing.T) {
	g := startGroup(t, "trap '' TERM; echo ready; while :; do sleep 0.05; done")
	s := New(g, Options{Grace: 100 * time.Millisecond})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if err := s.Run(context.Background(), Wait{}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := g.sent(); len(got) != 3 {
		t.Fatalf("signals %v, want each of TERM, CONT, KILL once", got)
	}
}

func TestRunWithDoneDoesNotPoll(t *testing.T) {
	g := startGroup(t, "echo ready; sleep 30")
	done := make(chan struct{})
	go func() {
		for {
			if empty, _ := g.Empty(); empty {
				close(done)
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	s := New(g, Options{Grace: 10 * time.Second})
	if err := s.Run(context.Background(), Wait{Done: done}); err != nil {
		t.Fatal(err)
	}
	<-done
}

type stuckTarget struct{}

func (stuckTarget) Signal(syscall.Signal) error { return errors.New("signal refused") }
func (stuckTarget) Kill() error                 { return nil }
func (stuckTarget) Empty() (bool, error)        { return false, nil }

// A tree that never empties gives ErrSurvived with the signal errors.
func TestRunSurvivorReported(t *testing.T) {
	s := New(stuckTarget{}, Options{})
	err := s.Run(context.Background(), Wait{KillWait: 20 * time.Millisecond})
	if !errors.Is(err, ErrSurvived) || !strings.Contains(err.Error(), "signal refused") {
		t.Fatalf("err = %v, want ErrSurvived joined with the signal error", err)
	}
}

// watchedGroup is a groupTarget that says when its members may have
// gone, as a cgroup's events do.
type watchedGroup struct {
	*groupTarget
	changed chan struct{}
	stopped bool
}

func (w *watchedGroup) Watch() (<-chan struct{}, func(), error) {
	go func() {
		for {
			if empty, _ := w.groupTarget.Empty(); empty {
				w.changed <- struct{}{}
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	return w.changed, func() { w.stopped = true }, nil
}

func TestRunUsesTheTargetsWatch(t *testing.T) {
	g := &watchedGroup{groupTarget: startGroup(t, "sleep 30 & echo ready; wait"), changed: make(chan struct{}, 1)}
	s := New(g, Options{Grace: 10 * time.Second})
	if err := s.Run(context.Background(), Wait{}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if !g.stopped {
		t.Fatal("Close did not end the target's watch")
	}
}
