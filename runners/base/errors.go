package base

import (
	"errors"
	"os/exec"
	"syscall"

	"github.com/corralrun/corral/internal/proc"
)

// Errors returned by every backend; check them with errors.Is. They are
// internal/proc's, so that every backend returns the same ones.
var (
	// ErrNotStarted is returned by Wait on a process that was never started.
	ErrNotStarted = proc.ErrNotStarted
	// ErrAlreadyStarted is returned by a second Start or Run, and by
	// configuration calls that must come before Start (StdinPipe, StdoutPipe).
	ErrAlreadyStarted = proc.ErrAlreadyStarted
	// ErrStopped is returned by Start or Run after Stop.
	ErrStopped = proc.ErrStopped
	// ErrBinaryNotFound is returned by NewProcess when the binary cannot be
	// found where it would run.
	ErrBinaryNotFound = proc.ErrBinaryNotFound
)

// ExitError reports a process that ended unsuccessfully on its own: a
// non-zero exit status, or death by a signal it was not sent by us.
type ExitError = proc.ExitError

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
