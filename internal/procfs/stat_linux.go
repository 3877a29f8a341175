package procfs

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ClockTicksPerSecond is USER_HZ, the unit of the times in /proc/PID/stat.
// The kernel converts its internal clock to USER_HZ for user space, and
// USER_HZ is 100 on every architecture Go runs on; sysconf(_SC_CLK_TCK)
// would need cgo to ask, and only ever answers 100.
const ClockTicksPerSecond = 100

// Stat is the part of /proc/PID/stat corral uses (proc(5)).
type Stat struct {
	PID       int
	Comm      string
	State     byte   // field 3
	PPID      int    // field 4
	PGID      int    // field 5
	Session   int    // field 6
	UTime     uint64 // field 14, clock ticks in user mode
	STime     uint64 // field 15, clock ticks in kernel mode
	CUTime    uint64 // field 16, user ticks of reaped children
	CSTime    uint64 // field 17, kernel ticks of reaped children
	StartTime uint64 // field 22, clock ticks after boot
	RSSPages  uint64 // field 24, resident pages
}

// Dead reports whether the process is a zombie or dying: it has no live
// identity any more.
func (s Stat) Dead() bool { return s.State == 'Z' || s.State == 'X' }

// CPUTicks is the processor time of the process and of the children it
// has reaped. Counting reaped children keeps a tree's total steady when a
// short-lived member exits: its time moves to its parent's CUTime and
// CSTime instead of vanishing.
func (s Stat) CPUTicks() uint64 {
	return s.UTime + s.STime + s.CUTime + s.CSTime
}

// statFields is how many fields follow the command name that ParseStat
// needs: fields 3 (state) to 24 (rss).
const statFields = 24 - 2

// ParseStat parses one /proc/PID/stat line. The command name, in
// parentheses, may itself hold spaces and parentheses, so it ends at the
// last ')' of the line.
func ParseStat(line string) (Stat, error) {
	open := strings.IndexByte(line, '(')
	end := strings.LastIndexByte(line, ')')
	if open < 0 || end < open {
		return Stat{}, errors.New("parse /proc stat: no command name in parentheses")
	}
	pid, err := strconv.Atoi(strings.TrimSpace(line[:open]))
	if err != nil {
		return Stat{}, fmt.Errorf("parse /proc stat: pid: %w", err)
	}
	f := strings.Fields(line[end+1:])
	if len(f) < statFields {
		return Stat{}, fmt.Errorf("parse /proc stat of %d: %d fields after the command name, want at least %d", pid, len(f), statFields)
	}
	if len(f[0]) != 1 {
		return Stat{}, fmt.Errorf("parse /proc stat of %d: state %q is not one letter", pid, f[0])
	}
	s := Stat{PID: pid, Comm: line[open+1 : end], State: f[0][0]}
	// field(n) is field n of proc(5), counted from 1 with pid and comm.
	field := func(n int) string { return f[n-3] }
	p := statParser{}
	s.PPID = int(p.signed(field(4), "ppid"))
	s.PGID = int(p.signed(field(5), "pgrp"))
	s.Session = int(p.signed(field(6), "session"))
	s.UTime = p.unsigned(field(14), "utime")
	s.STime = p.unsigned(field(15), "stime")
	s.CUTime = clampToZero(p.signed(field(16), "cutime"))
	s.CSTime = clampToZero(p.signed(field(17), "cstime"))
	s.StartTime = p.unsigned(field(22), "starttime")
	s.RSSPages = clampToZero(p.signed(field(24), "rss"))
	if p.err != nil {
		return Stat{}, fmt.Errorf("parse /proc stat of %d: %w", pid, p.err)
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

// ParseUptime parses /proc/uptime: seconds since boot, then idle seconds.
func ParseUptime(s string) (time.Duration, error) {
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

// Uptime reads how long the machine has been up.
func Uptime() (time.Duration, error) {
	b, err := os.ReadFile("/proc/uptime")
	if err != nil {
		return 0, fmt.Errorf("read uptime: %w", err)
	}
	return ParseUptime(string(b))
}

// ReadStat reads /proc/PID/stat. A process that does not exist, or stops
// existing while it is read, gives an error wrapping os.ErrNotExist.
func ReadStat(pid int) (Stat, error) {
	if pid <= 0 {
		return Stat{}, fmt.Errorf("process %d: %w", pid, os.ErrNotExist)
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		// ESRCH: the process exited between open and read.
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ESRCH) {
			return Stat{}, fmt.Errorf("process %d: %w", pid, os.ErrNotExist)
		}
		return Stat{}, fmt.Errorf("process %d: %w", pid, err)
	}
	return ParseStat(string(b))
}
