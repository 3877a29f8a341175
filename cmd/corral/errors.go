package main

import (
	"errors"
	"fmt"
	"os/exec"

	"github.com/corralrun/corral/runners/base"
)

// usageError is bad input on the command line: exit 2, one line naming
// the problem and the help to read.
type usageError struct {
	cmd string // command path, such as "corral run"
	err error
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usageErrorf returns a usageError for the command path cmd.
func usageErrorf(cmd string, format string, args ...any) error {
	return &usageError{cmd: cmd, err: fmt.Errorf(format, args...)}
}

// statusError ends corral with code. With a nil err it is silent: the
// command already said what it had to say (its own exit status).
type statusError struct {
	code int
	err  error
}

func (e *statusError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}
func (e *statusError) Unwrap() error { return e.err }
func (e *statusError) ExitCode() int { return e.code }

// exitCoder is any error that carries a process exit status:
// *base.ExitError, *exec.ExitError, *statusError.
type exitCoder interface{ ExitCode() int }

// errorLine is what corral prints on stderr for err, or "" when nothing
// should be printed: the command's own exit status is reported by the
// exit code alone, as the bare command would.
func errorLine(err error) string {
	var (
		usage  *usageError
		status *statusError
		bexit  *base.ExitError
		xexit  *exec.ExitError
	)
	switch {
	case err == nil:
		return ""
	case errors.As(err, &usage):
		help := "corral --help"
		if usage.cmd != "" {
			help = usage.cmd + " --help"
		}
		return fmt.Sprintf("corral: %v. Run '%s' for usage.", usage.err, help)
	case errors.As(err, &status) && status.err == nil,
		errors.As(err, &bexit), errors.As(err, &xexit):
		return ""
	}
	return "corral: " + err.Error()
}
