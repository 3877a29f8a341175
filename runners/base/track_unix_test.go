//go:build unix

package base

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"testing"
	"time"
)

func init() {
	helpers["track-exit"] = func([]string) int { return 0 }
}

// noSuchPID is above the largest PID Linux (2^22) and macOS (99999) hand
// out, so no process ever has it.
const noSuchPID = 1 << 30

func TestTrackMissingPID(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for _, pid := range []int{noSuchPID, 0, -1} {
		tp := &TrackedProcess{PID: pid}
		if st, err := tp.GetState(ctx); st != NotFound || err != nil {
			t.Errorf("GetState(%d) = %v, %v; want NotFound, nil", pid, st, err)
		}
		if c, err := tp.GetCPU(ctx); !errors.Is(err, os.ErrNotExist) || c != nil {
			t.Errorf("GetCPU(%d) = %v, %v; want nil, an error wrapping os.ErrNotExist", pid, c, err)
		}
		if m, err := tp.GetMemory(ctx); !errors.Is(err, os.ErrNotExist) || m != nil {
			t.Errorf("GetMemory(%d) = %v, %v; want nil, an error wrapping os.ErrNotExist", pid, m, err)
		}
	}
}

func TestTrackCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	tp := &TrackedProcess{PID: os.Getpid()}
	if _, err := tp.GetState(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("GetState: %v, want context.Canceled", err)
	}
	if _, err := tp.GetCPU(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("GetCPU: %v, want context.Canceled", err)
	}
	if _, err := tp.GetMemory(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("GetMemory: %v, want context.Canceled", err)
	}
}

func TestUsagePercent(t *testing.T) {
	tests := []struct {
		ticks   float64
		elapsed time.Duration
		want    float64
	}{
		{100, time.Second, 100},
		{50, time.Second, 50},
		{250, time.Second, 250},
		{25, 500 * time.Millisecond, 50},
		{0, time.Second, 0},
		{-5, time.Second, 0}, // the tree lost a member: not negative
		{10, 0, 0},
		{10, -time.Second, 0},
	}
	for _, tt := range tests {
		if got := usagePercent(tt.ticks, 100, tt.elapsed); got != tt.want {
			t.Errorf("usagePercent(%v, 100, %v) = %v, want %v", tt.ticks, tt.elapsed, got, tt.want)
		}
	}
}

func TestIsProcessAlive(t *testing.T) {
	if !IsProcessAlive(os.Getpid()) {
		t.Error("IsProcessAlive(self) = false")
	}
	for _, pid := range []int{-1, 0, noSuchPID} {
		if IsProcessAlive(pid) {
			t.Errorf("IsProcessAlive(%d) = true", pid)
		}
	}

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0])
	cmd.Env = append(os.Environ(), helperEnv+"=track-exit")
	if err := cmd.Run(); err != nil {
		t.Fatalf("run helper: %v", err)
	}
	// Reaped by Run: the PID is free (reuse this soon is very unlikely).
	if pid := cmd.Process.Pid; IsProcessAlive(pid) {
		t.Errorf("IsProcessAlive(%d) of a reaped child = true", pid)
	}
}
