package sys

import (
	"errors"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
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

func TestWaitAllExited(t *testing.T) {
	a, b := startSleep(t), startSleep(t)
	var pins []Pin
	for _, c := range []*exec.Cmd{a, b} {
		p, err := PinProcess(c.Process.Pid)
		if err != nil || !p.Pinned() {
			t.Fatalf("pin: %v", err)
		}
		defer p.Close()
		pins = append(pins, p)
	}
	wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(wake)
	done := make(chan bool, 1)
	go func() { done <- WaitAllExited(pins, wake) }()
	a.Process.Kill()
	select {
	case <-done:
		t.Fatal("returned while one process still runs")
	case <-time.After(100 * time.Millisecond):
	}
	b.Process.Kill()
	select {
	case all := <-done:
		if !all {
			t.Fatal("false after both exited")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("not woken 10 s after both exited")
	}
	c := startSleep(t)
	p, _ := PinProcess(c.Process.Pid)
	defer p.Close()
	unix.Write(wake, []byte{1, 0, 0, 0, 0, 0, 0, 0})
	if WaitAllExited([]Pin{p}, wake) {
		t.Fatal("true when woken with the process still running")
	}
}
