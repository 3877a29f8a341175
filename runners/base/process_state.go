package base

import "strconv"

// ProcessState is the scheduling state of a process, as the kernel reports
// it. The zero value is Unknown.
type ProcessState int

// The states of a process. The order is part of the API: values are stable.
const (
	// Unknown: the state could not be determined.
	Unknown ProcessState = iota
	// NotFound: no process has this PID.
	NotFound
	// Running: running or runnable (on a run queue).
	Running
	// InterruptibleSleep: waiting for an event; a signal wakes it.
	InterruptibleSleep
	// UninterruptibleSleep: waiting, usually on I/O; signals wait too.
	UninterruptibleSleep
	// Stopped: stopped by a job-control signal (SIGSTOP, SIGTSTP, ...).
	Stopped
	// Zombie: exited, not yet reaped by its parent.
	Zombie
	// Dead: being torn down; seen only briefly, if at all.
	Dead
	// TracingStop: stopped by a debugger (ptrace).
	TracingStop
	// Idle: an idle kernel thread.
	Idle
	// Parked: a parked kernel thread.
	Parked
	// Waking: being woken up (Linux 2.6.33 to 3.13 only).
	Waking
)

var processStateNames = [...]string{
	Unknown:              "Unknown",
	NotFound:             "NotFound",
	Running:              "Running",
	InterruptibleSleep:   "InterruptibleSleep",
	UninterruptibleSleep: "UninterruptibleSleep",
	Stopped:              "Stopped",
	Zombie:               "Zombie",
	Dead:                 "Dead",
	TracingStop:          "TracingStop",
	Idle:                 "Idle",
	Parked:               "Parked",
	Waking:               "Waking",
}

// String returns the name of the constant, such as "Running", or
// "ProcessState(N)" for a value that is none of them.
func (ps ProcessState) String() string {
	if ps >= 0 && int(ps) < len(processStateNames) {
		return processStateNames[ps]
	}
	return "ProcessState(" + strconv.Itoa(int(ps)) + ")"
}

// stateFromProcCode maps the state letter of /proc/PID/stat (see proc(5)
// and fs/proc/array.c) to a ProcessState. A letter it does not know gives
// Unknown.
func stateFromProcCode(c byte) ProcessState {
	switch c {
	case 'R':
		return Running
	case 'S':
		return InterruptibleSleep
	case 'D':
		return UninterruptibleSleep
	case 'K':
		// "Wakekill" (Linux 2.6.33 to 3.13): a killable sleep, that is an
		// uninterruptible sleep that fatal signals still end.
		return UninterruptibleSleep
	case 'T':
		return Stopped
	case 't':
		return TracingStop
	case 'Z':
		return Zombie
	case 'X', 'x':
		return Dead
	case 'I':
		return Idle
	case 'P':
		return Parked
	case 'W':
		// "Waking" on Linux 2.6.33 to 3.13 (it meant paging before 2.6).
		return Waking
	}
	return Unknown
}
