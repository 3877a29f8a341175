package base

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTicksPerSecond is USER_HZ, the unit of the times in /proc/PID/stat.
// The kernel converts its internal clock to USER_HZ for user space, and
// USER_HZ is 100 on every architecture Go runs on; sysconf(_SC_CLK_TCK)
// would need cgo to ask, and only ever answers 100.
const clockTicksPerSecond = 100

// procStat is the part of /proc/PID/stat that tracking uses (proc(5)).
type procStat struct {
	PID       int
	Comm      string
	State     byte   // field 3
	PPID      int    // field 4
	PGID      int    // field 5
	UTime     uint64 // field 14, clock ticks in user mode
	STime     uint64 // field 15, clock ticks in kernel mode
	CUTime    uint64 // field 16, user ticks of reaped children
	CSTime    uint64 // field 17, kernel ticks of reaped children
	StartTime uint64 // field 22, clock ticks after boot
	RSSPages  uint64 // field 24, resident pages
}

// cpuTicks is the processor time of the process and of the children it
// has reaped. Counting reaped children keeps a tree's total steady when a
// short-lived member exits: its time moves to its parent's CUTime and
// CSTime instead of vanishing (a shell or make running many short
// commands would otherwise look idle).
func (s procStat) cpuTicks() uint64 {
	return s.UTime + s.STime + s.CUTime + s.CSTime
}

// statFields is how many fields follow the command name that parseStat
// needs: fields 3 (state) to 24 (rss).
const statFields = 24 - 2

// parseStat parses one /proc/PID/stat line. The command name, in
// parentheses, may itself hold spaces and parentheses, so it ends at the
// last ')' of the line.
func parseStat(line string) (procStat, error) {
	open := strings.IndexByte(line, '(')
	end := strings.LastIndexByte(line, ')')
	if open < 0 || end < open {
		return procStat{}, errors.New("parse /proc stat: no command name in parentheses")
	}
	pid, err := strconv.Atoi(strings.TrimSpace(line[:open]))
	if err != nil {
		return procStat{}, fmt.Errorf("parse /proc stat: pid: %w", err)
	}
	f := strings.Fields(line[end+1:])
	if len(f) < statFields {
		return procStat{}, fmt.Errorf("parse /proc stat of %d: %d fields after the command name, want at least %d", pid, len(f), statFields)
	}
	if len(f[0]) != 1 {
		return procStat{}, fmt.Errorf("parse /proc stat of %d: state %q is not one letter", pid, f[0])
	}
	s := procStat{PID: pid, Comm: line[open+1 : end], State: f[0][0]}
	// field(n) is field n of proc(5), counted from 1 with pid and comm.
	field := func(n int) string { return f[n-3] }
	p := statParser{}
	s.PPID = int(p.signed(field(4), "ppid"))
	s.PGID = int(p.signed(field(5), "pgrp"))
	s.UTime = p.unsigned(field(14), "utime")
	s.STime = p.unsigned(field(15), "stime")
	s.CUTime = clampToZero(p.signed(field(16), "cutime"))
	s.CSTime = clampToZero(p.signed(field(17), "cstime"))
	s.StartTime = p.unsigned(field(22), "starttime")
	s.RSSPages = clampToZero(p.signed(field(24), "rss"))
	if p.err != nil {
		return procStat{}, fmt.Errorf("parse /proc stat of %d: %w", pid, p.err)
	}
	return s, nil
}

// statParser parses numbers and keeps the first error.
type statParser struct{ err error }

func (p *statParser) unsigned(s, name string) uint64 {
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil && p.err == nil {
		p.err = fmt.Errorf("%s: %w", name, err)
	}
	return v
}

// signed parses a field the kernel prints as a signed long.
func (p *statParser) signed(s, name string) int64 {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil && p.err == nil {
		p.err = fmt.Errorf("%s: %w", name, err)
	}
	return v
}

func clampToZero(v int64) uint64 {
	if v < 0 {
		return 0
	}
	return uint64(v)
}

// parseUptime parses /proc/uptime: seconds since boot, then idle seconds.
func parseUptime(s string) (time.Duration, error) {
	f := strings.Fields(s)
	if len(f) == 0 {
		return 0, errors.New("parse /proc/uptime: empty")
	}
	secs, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return 0, fmt.Errorf("parse /proc/uptime: %w", err)
	}
	return time.Duration(secs * float64(time.Second)), nil
}

// treeOf returns the process root and all its descendants in procs, found
// through their parent PIDs. procs is not an atomic snapshot (processes
// come and go while /proc is read, and PIDs are reused), so a parent loop
// is possible in it: each PID is visited at most once.
func treeOf(root int, procs map[int]procStat) []procStat {
	rs, ok := procs[root]
	if !ok {
		return nil
	}
	children := make(map[int][]int)
	for pid, s := range procs {
		if pid != root {
			children[s.PPID] = append(children[s.PPID], pid)
		}
	}
	tree := []procStat{rs}
	seen := map[int]bool{root: true}
	for i := 0; i < len(tree); i++ {
		for _, c := range children[tree[i].PID] {
			if !seen[c] {
				seen[c] = true
				tree = append(tree, procs[c])
			}
		}
	}
	return tree
}

// readStat reads /proc/PID/stat. A process that does not exist, or stops
// existing while it is read, gives an error wrapping os.ErrNotExist.
func readStat(pid int) (procStat, error) {
	if pid <= 0 {
		return procStat{}, fmt.Errorf("base: process %d: %w", pid, os.ErrNotExist)
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		// ESRCH: the process exited between open and read.
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ESRCH) {
			return procStat{}, fmt.Errorf("base: process %d: %w", pid, os.ErrNotExist)
		}
		return procStat{}, fmt.Errorf("base: process %d: %w", pid, err)
	}
	return parseStat(string(b))
}

// scanProcs reads /proc/*/stat of every process. Processes that vanish
// while it runs, or whose stat cannot be read or parsed, are left out.
func scanProcs(ctx context.Context) (map[int]procStat, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("base: list processes: %w", err)
	}
	procs := make(map[int]procStat, len(entries))
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid <= 0 {
			continue // not a process: /proc/self, /proc/meminfo, ...
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if s, err := readStat(pid); err == nil {
			procs[pid] = s
		}
	}
	return procs, nil
}

// sampleTree returns the stat of pid and of every process below it. A pid
// that does not exist gives an error wrapping os.ErrNotExist.
func sampleTree(ctx context.Context, pid int) (leader procStat, tree []procStat, err error) {
	if err := ctx.Err(); err != nil {
		return procStat{}, nil, err
	}
	leader, err = readStat(pid)
	if err != nil {
		return procStat{}, nil, err
	}
	procs, err := scanProcs(ctx)
	if err != nil {
		return procStat{}, nil, err
	}
	procs[pid] = leader
	return leader, treeOf(pid, procs), nil
}

func (p *TrackedProcess) state(ctx context.Context) (ProcessState, error) {
	if err := ctx.Err(); err != nil {
		return Unknown, err
	}
	s, err := readStat(p.PID)
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
		ticks += s.cpuTicks()
	}
	var usage float64
	if !p.last.at.IsZero() && p.last.leaderStart == leader.StartTime {
		usage = usagePercent(float64(ticks)-float64(p.last.ticks), clockTicksPerSecond, now.Sub(p.last.at))
	} else {
		b, err := os.ReadFile("/proc/uptime")
		if err != nil {
			return nil, fmt.Errorf("base: read uptime: %w", err)
		}
		uptime, err := parseUptime(string(b))
		if err != nil {
			return nil, err
		}
		started := time.Duration(leader.StartTime) * (time.Second / clockTicksPerSecond)
		usage = usagePercent(float64(ticks), clockTicksPerSecond, uptime-started)
	}
	p.last = cpuSample{at: now, leaderStart: leader.StartTime, ticks: ticks}
	return &CPU{Timestamp: now, Usage: usage}, nil
}
