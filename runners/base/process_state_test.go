package base

import "testing"

func TestProcessStateString(t *testing.T) {
	tests := []struct {
		ps   ProcessState
		want string
	}{
		{Unknown, "Unknown"},
		{NotFound, "NotFound"},
		{Running, "Running"},
		{InterruptibleSleep, "InterruptibleSleep"},
		{UninterruptibleSleep, "UninterruptibleSleep"},
		{Stopped, "Stopped"},
		{Zombie, "Zombie"},
		{Dead, "Dead"},
		{TracingStop, "TracingStop"},
		{Idle, "Idle"},
		{Parked, "Parked"},
		{Waking, "Waking"},
		{Waking + 1, "ProcessState(12)"},
		{42, "ProcessState(42)"},
		{-1, "ProcessState(-1)"},
	}
	for _, tt := range tests {
		if got := tt.ps.String(); got != tt.want {
			t.Errorf("ProcessState(%d).String() = %q, want %q", int(tt.ps), got, tt.want)
		}
	}
}

// The values are API: they must not move when constants are added.
func TestProcessStateValues(t *testing.T) {
	order := []ProcessState{Unknown, NotFound, Running, InterruptibleSleep,
		UninterruptibleSleep, Stopped, Zombie, Dead, TracingStop, Idle, Parked, Waking}
	for i, ps := range order {
		if int(ps) != i {
			t.Errorf("%v = %d, want %d", ps, int(ps), i)
		}
	}
}

func TestStateFromProcCode(t *testing.T) {
	tests := []struct {
		code byte
		want ProcessState
	}{
		{'R', Running},
		{'S', InterruptibleSleep},
		{'D', UninterruptibleSleep},
		{'K', UninterruptibleSleep},
		{'T', Stopped},
		{'t', TracingStop},
		{'Z', Zombie},
		{'X', Dead},
		{'x', Dead},
		{'I', Idle},
		{'P', Parked},
		{'W', Waking},
		{'?', Unknown},
		{'r', Unknown},
		{0, Unknown},
	}
	for _, tt := range tests {
		if got := stateFromProcCode(tt.code); got != tt.want {
			t.Errorf("stateFromProcCode(%q) = %v, want %v", tt.code, got, tt.want)
		}
	}
}
