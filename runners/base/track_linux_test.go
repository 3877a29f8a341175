package base

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/corralrun/corral/internal/procfs"
)

// allocSize is what the track-alloc helper holds resident.
const allocSize = 64 << 20

// Helpers print "ready" once in the state a test measures, then run until
// their stdin reaches EOF.
func init() {
	helpers["track-idle"] = func([]string) int {
		fmt.Println("ready")
		_, _ = io.Copy(io.Discard, os.Stdin)
		return 0
	}
	helpers["track-spin"] = func([]string) int {
		var done atomic.Bool
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			done.Store(true)
		}()
		fmt.Println("ready")
		for !done.Load() {
		}
		return 0
	}
	helpers["track-alloc"] = func([]string) int {
		buf := make([]byte, allocSize)
		for i := 0; i < len(buf); i += os.Getpagesize() {
			buf[i] = 1 // touch every page, so that it is resident
		}
		fmt.Println("ready")
		_, _ = io.Copy(io.Discard, os.Stdin)
		runtime.KeepAlive(buf)
		return 0
	}
	// track-parent runs the helper args[0] as its child, sharing its
	// stdin and stdout, and waits for it.
	helpers["track-parent"] = func(args []string) int {
		if len(args) != 1 {
			fmt.Fprintln(os.Stderr, "usage: track-parent HELPER")
			return 2
		}
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), helperEnv+"="+args[0])
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "track-parent:", err)
			return 1
		}
		return 0
	}
}

// trackChild is a helper process of the tracking tests.
type trackChild struct {
	cmd   *exec.Cmd
	stdin *os.File // closing it makes the helper, and its child, exit
}

func (c *trackChild) pid() int { return c.cmd.Process.Pid }

// startTrackHelper starts helper name in a process group of its own and
// returns once it printed "ready". Cleanup closes its stdin, so that the
// helper and any child of its exit and are reaped by their parents; past
// a deadline it kills the group.
func startTrackHelper(t *testing.T, name string, args ...string) *trackChild {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), helperEnv+"="+name)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdoutR, stdoutW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdin, cmd.Stdout = stdinR, stdoutW
	err = cmd.Start()
	stdinR.Close()
	stdoutW.Close()
	if err != nil {
		stdinW.Close()
		stdoutR.Close()
		t.Fatalf("start helper %s: %v", name, err)
	}
	c := &trackChild{cmd: cmd, stdin: stdinW}
	t.Cleanup(func() {
		c.stdin.Close()
		stdoutR.Close()
		c.stopAndReap(t)
	})

	if err := stdoutR.SetReadDeadline(time.Now().Add(15 * time.Second)); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdoutR).ReadString('\n')
	if line != "ready\n" {
		t.Fatalf("helper %s: read %q, %v; want \"ready\"", name, line, err)
	}
	return c
}

// stopAndReap waits for the helper to exit on its own after its stdin was
// closed, and kills its group if it does not within a few seconds. The
// group is killed before the leader is reaped, while its ID cannot have
// been reused.
func (c *trackChild) stopAndReap(t *testing.T) {
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	timer := time.NewTimer(5 * time.Second)
	defer timer.Stop()
	select {
	case <-done:
		return
	case <-timer.C:
	}
	t.Errorf("helper %d did not exit once its stdin closed; killing its group", c.pid())
	_ = syscall.Kill(-c.pid(), syscall.SIGKILL)
	<-done
}

// waitState polls the state of tp until it is want, or fails the test
// once ctx is done.
func waitState(ctx context.Context, t *testing.T, tp *TrackedProcess, want ProcessState) {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		got, err := tp.GetState(ctx)
		if err == nil && got == want {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("state of %d: %v, %v; want %v", tp.PID, got, err, want)
		case <-tick.C:
		}
	}
}

func TestTrackStateOfSelf(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	st, err := (&TrackedProcess{PID: os.Getpid()}).GetState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The main thread is running this or parked in the scheduler.
	if st != Running && st != InterruptibleSleep && st != UninterruptibleSleep {
		t.Errorf("GetState(self) = %v, want Running or a sleep", st)
	}
}

// A child goes through sleep, stop, and zombie, which GetState reports.
func TestTrackStateOfChild(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	c := startTrackHelper(t, "track-idle")
	tp := &TrackedProcess{PID: c.pid()}

	waitState(ctx, t, tp, InterruptibleSleep)
	if err := c.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	waitState(ctx, t, tp, Stopped)
	if err := c.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	waitState(ctx, t, tp, InterruptibleSleep)
	c.stdin.Close() // the helper exits; nobody reaps it until cleanup
	waitState(ctx, t, tp, Zombie)
}

func TestTrackMemoryOfTree(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	c := startTrackHelper(t, "track-parent", "track-alloc")

	m, err := (&TrackedProcess{PID: c.pid()}).GetMemory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	leader, err := procfs.ReadStat(c.pid())
	if err != nil {
		t.Fatal(err)
	}
	alone := leader.RSSPages * uint64(os.Getpagesize())
	if m.Used < alone+allocSize {
		t.Errorf("GetMemory of the tree = %d MiB; want at least the parent's %d MiB + the child's %d MiB",
			m.Used>>20, alone>>20, allocSize>>20)
	}
	if m.Timestamp.IsZero() {
		t.Error("GetMemory: zero Timestamp")
	}
}

// sampleCPUUntil takes a first sample of tp, then one every 250 ms (each
// the usage since the one before) until ok accepts one, and fails the
// test if none does before ctx is done.
func sampleCPUUntil(ctx context.Context, t *testing.T, tp *TrackedProcess, ok func(float64) bool, want string) {
	t.Helper()
	if _, err := tp.GetCPU(ctx); err != nil {
		t.Fatal(err)
	}
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	var seen []string
	for {
		select {
		case <-ctx.Done():
			t.Fatalf("CPU usage of %d never %s; saw %v", tp.PID, want, seen)
		case <-tick.C:
		}
		cpu, err := tp.GetCPU(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ok(cpu.Usage) {
			return
		}
		seen = append(seen, fmt.Sprintf("%.0f%%", cpu.Usage))
	}
}

func TestTrackCPU(t *testing.T) {
	t.Run("busy grandchild", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		defer cancel()
		c := startTrackHelper(t, "track-parent", "track-spin")
		sampleCPUUntil(ctx, t, &TrackedProcess{PID: c.pid()},
			func(u float64) bool { return u > 50 }, "above 50%")
	})
	t.Run("idle child", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		defer cancel()
		c := startTrackHelper(t, "track-idle")
		sampleCPUUntil(ctx, t, &TrackedProcess{PID: c.pid()},
			func(u float64) bool { return u >= 0 && u < 20 }, "below 20%")
	})
	t.Run("first sample since start", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		defer cancel()
		c := startTrackHelper(t, "track-spin")
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			// A fresh TrackedProcess: each sample is a first one, the
			// usage since the helper started, which it spent spinning.
			cpu, err := (&TrackedProcess{PID: c.pid()}).GetCPU(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if cpu.Usage > 50 && !cpu.Timestamp.IsZero() {
				return
			}
			select {
			case <-ctx.Done():
				t.Fatalf("first GetCPU of a spinning child never above 50%%; last %+v", cpu)
			case <-tick.C:
			}
		}
	})
}

// Concurrent samples of one TrackedProcess are safe (run with -race).
func TestTrackConcurrent(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	tp := &TrackedProcess{PID: os.Getpid()}
	var wg sync.WaitGroup
	errs := make(chan error, 3*4)
	for range 4 {
		wg.Go(func() {
			for range 3 {
				if _, err := tp.GetCPU(ctx); err != nil {
					errs <- err
					return
				}
				if _, err := tp.GetMemory(ctx); err != nil {
					errs <- err
					return
				}
				if _, err := tp.GetState(ctx); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
