package sys

import (
	"errors"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

func startSleep(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd
}

func TestSignalVerifiedChecksAfterPin(t *testing.T) {
	cmd := startSleep(t)
	pid := cmd.Process.Pid
	if err := SignalVerified(pid, syscall.SIGTERM, func() bool { return false }); !errors.Is(err, ErrNotOurs) {
		t.Fatalf("not ours: %v, want ErrNotOurs", err)
	}
	if HasExited(pid) {
		t.Fatal("a process that failed the check was signalled")
	}
	if err := SignalVerified(pid, syscall.SIGTERM, func() bool { return true }); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- WaitExited(pid) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("process still running 10 s after SIGTERM")
	}
	if !HasExited(pid) {
		t.Fatal("HasExited false after WaitExited")
	}
	// Unreaped: WaitExited used WNOWAIT, so the zombie is still ours.
	if err := cmd.Wait(); err == nil {
		t.Fatal("sleep ended without error after SIGTERM")
	}
}

func TestSignalVerifiedGoneIsNotAnError(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	checked := false
	err := SignalVerified(cmd.Process.Pid, syscall.SIGTERM, func() bool { checked = true; return false })
	if checked {
		t.Skip("the PID was recycled at once; nothing to test")
	}
	if err != nil {
		t.Fatalf("signal to a reaped process: %v, want nil", err)
	}
}

func TestSetSubreaper(t *testing.T) {
	if err := SetSubreaper(true); err != nil {
		t.Fatal(err)
	}
	if err := SetSubreaper(false); err != nil {
		t.Fatal(err)
	}
}
