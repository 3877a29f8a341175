package base

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/corralrun/corral/internal/procfs"
)

// sampleTree returns the stat of pid and of every process below it. A pid
// that does not exist gives an error wrapping os.ErrNotExist.
func sampleTree(ctx context.Context, pid int) (leader procfs.Stat, tree []procfs.Stat, err error) {
	if err := ctx.Err(); err != nil {
		return procfs.Stat{}, nil, err
	}
	leader, err = procfs.ReadStat(pid)
	if err != nil {
		return procfs.Stat{}, nil, err
	}
	procs, err := procfs.Scan(ctx)
	if err != nil {
		return procfs.Stat{}, nil, err
	}
	procs[pid] = leader
	return leader, procfs.TreeOf(pid, procs), nil
}

func (p *TrackedProcess) state(ctx context.Context) (ProcessState, error) {
	if err := ctx.Err(); err != nil {
		return Unknown, err
	}
	s, err := procfs.ReadStat(p.PID)
	if errors.Is(err, os.ErrNotExist) {
		return NotFound, nil
	}
	if err != nil {
		return Unknown, err
	}
	return stateFromProcCode(s.State), nil
}

func (p *TrackedProcess) memory(ctx context.Context) (*Memory, error) {
	_, tree, err := sampleTree(ctx, p.PID)
	if err != nil {
		return nil, err
	}
	var pages uint64
	for _, s := range tree {
		pages += s.RSSPages
	}
	return &Memory{Timestamp: time.Now(), Used: pages * uint64(os.Getpagesize())}, nil
}

// cpu holds p.mu for the whole sample, so that concurrent callers each get
// the usage since the sample just before theirs.
//
// The tree's total can drop between two samples, when a member leaves the
// tree without being reaped inside it (a daemon that double-forked is
// reparented away): the usage is then 0 for that window, not negative.
// Times are counted in 10 ms ticks, so a window of a few ticks is coarse.
func (p *TrackedProcess) cpu(ctx context.Context) (*CPU, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	leader, tree, err := sampleTree(ctx, p.PID)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	var ticks uint64
	for _, s := range tree {
		ticks += s.CPUTicks()
	}
	var usage float64
	if !p.last.at.IsZero() && p.last.leaderStart == leader.StartTime {
		usage = usagePercent(float64(ticks)-float64(p.last.ticks), procfs.ClockTicksPerSecond, now.Sub(p.last.at))
	} else {
		b, err := os.ReadFile("/proc/uptime")
		if err != nil {
			return nil, fmt.Errorf("base: read uptime: %w", err)
		}
		uptime, err := procfs.ParseUptime(string(b))
		if err != nil {
			return nil, err
		}
		started := time.Duration(leader.StartTime) * (time.Second / procfs.ClockTicksPerSecond)
		usage = usagePercent(float64(ticks), procfs.ClockTicksPerSecond, uptime-started)
	}
	p.last = cpuSample{at: now, leaderStart: leader.StartTime, ticks: ticks}
	return &CPU{Timestamp: now, Usage: usage}, nil
}
