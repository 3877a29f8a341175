package sys

import "errors"

// ErrNotOurs is returned by SignalVerified when the process fails the
// ownership check made after it was pinned: it is left alone.
var ErrNotOurs = errors.New("process is not ours")

// ErrGone is returned by PinProcess for a PID that no process has.
var ErrGone = errors.New("no such process")
