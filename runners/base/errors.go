package base

import (
	"errors"
	"fmt"
	"os/exec"
	"syscall"
)

// Errors returned by every backend; check them with errors.Is.
var (
	// ErrNotStarted is returned by Wait on a process that was never started.
	ErrNotStarted = errors.New("base: not started")
	// ErrAlreadyStarted is returned by a second Start or Run, and by
	// configuration calls that must come before Start (StdinPipe, StdoutPipe).
	ErrAlreadyStarted = errors.New("base: already started")
	// ErrStopped is returned by Start or Run after Stop.
	ErrStopped = errors.New("base: stopped")
	// ErrBinaryNotFound is returned by NewProcess when the binary cannot be
	// found where it would run.
	ErrBinaryNotFound = errors.New("base: binary not found")
)

// ExitError reports a process that ended unsuccessfully on its own: a
// non-zero exit status, or death by a signal it was not sent by us.
type ExitError struct {
	// Name is the base name of the executable.
	Name string
	// Code is the exit status, or 128+N for death by signal N.
	Code int
	// Signal is the signal that ended the process, or 0.
	Signal syscall.Signal
	// Err is the underlying *exec.ExitError, when there is one.
	Err error
}

func (e *ExitError) Error() string {
	if e.Signal != 0 {
		return fmt.Sprintf("%s: killed by signal %d (%v)", e.Name, int(e.Signal), e.Signal)
	}
	return fmt.Sprintf("%s: exit status %d", e.Name, e.Code)
}

// ExitCode returns the exit status, or 128+N for death by signal N, as a
// shell reports it.
func (e *ExitError) ExitCode() int { return e.Code }

// Unwrap returns the underlying *exec.ExitError, so errors.As finds either.
func (e *ExitError) Unwrap() error { return e.Err }

// exitErrorFrom turns the error of exec.Cmd.Wait into an *ExitError when it
// is an exit status; other errors pass through.
func exitErrorFrom(name string, err error) error {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return err
	}
	out := &ExitError{Name: name, Code: ee.ExitCode(), Err: ee}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		out.Signal = ws.Signal()
		out.Code = 128 + int(ws.Signal())
	}
	return out
}
