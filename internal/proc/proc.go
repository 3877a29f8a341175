// Package proc holds the contract every backend implements, below every
// backend: the RunnerEnvironment and Proc interfaces, the sentinel errors
// and ExitError. runners/base re-exports each of them by alias (the
// seed's API), so that a backend that must not depend on base's
// containment (runners/docker, which never reaches internal/cgroup) can
// implement the same types.
package proc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"syscall"
	"time"

	"github.com/corralrun/corral/resources"
)

// DefaultGracePeriod is how long Stop waits between SIGTERM and SIGKILL
// unless WithGracePeriod says otherwise.
const DefaultGracePeriod = 5 * time.Second

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
	// Signal is the signal that ended the process, or 0 (also when the
	// backend cannot tell a signal from an exit status of 128+N).
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

// RunnerEnvironment controls where processes run: the host (Native), a Nix
// dev shell, or a container. Implementations are safe for concurrent use.
type RunnerEnvironment interface {
	// Init prepares the environment. It may be called more than once.
	Init(ctx context.Context) error
	// NewProcess returns a process, not yet started, that runs bin with
	// args in this environment. It fails with ErrBinaryNotFound when bin
	// cannot be found where it would run.
	NewProcess(bin string, args ...string) (Proc, error)
	// Stop stops every process the environment started and still runs.
	// The environment can be used again afterwards.
	Stop(ctx context.Context) error
	// Shutdown stops every process and releases every resource.
	Shutdown(ctx context.Context) error
	// WithBinary checks that bin is visible in the environment.
	WithBinary(bin string) error
	// WithEnvironmentVariables adds variables given to every process the
	// environment starts from now on; a later value of a key wins.
	WithEnvironmentVariables(ctx context.Context, envs ...*resources.EnvironmentVariable)
}

// Proc is one supervised process tree. Configure it, then Start or Run it
// once; a Proc cannot be reused. Start, Run, Wait, Stop and IsRunning are
// safe for concurrent use; configuration methods must be called before
// Start.
type Proc interface {
	// Start starts the process and returns once it runs. Cancelling ctx
	// later stops the whole tree as Stop does.
	Start(ctx context.Context) error
	// Run starts the process and waits for it: nil on exit 0, an error
	// with ExitCode on a non-zero exit, nil after our own Stop, ctx.Err()
	// after cancellation. It returns after all output was delivered.
	Run(ctx context.Context) error
	// Stop sends SIGTERM to the whole tree, waits the grace period, sends
	// SIGKILL, and returns once no process of the tree is left.
	Stop(ctx context.Context) error
	// Wait blocks until the process exited and its output was delivered,
	// or ctx is done. Any number of callers get the same result as Run.
	Wait(ctx context.Context) error
	// IsRunning reports whether the process has been started and has not
	// exited.
	IsRunning(ctx context.Context) (bool, error)
	// WaitOn names a binary the process waits on; informational.
	WaitOn(s string)
	// WithDir overrides the directory the process runs in.
	WithDir(local string)
	// WithOutput sets where output lines go, one Write per line.
	WithOutput(w io.Writer)
	// WithEnvironmentVariables adds process-level variables.
	WithEnvironmentVariables(ctx context.Context, envs ...*resources.EnvironmentVariable)
	// WithEnvironmentVariablesAppend appends env.Value, after sep, to the
	// value of env.Key the process would otherwise see.
	WithEnvironmentVariablesAppend(ctx context.Context, env *resources.EnvironmentVariable, sep string)
	// StdinPipe returns a writer connected to the process's stdin.
	// It must be called before Start.
	StdinPipe() (io.WriteCloser, error)
	// StdoutPipe returns a reader of the process's raw stdout, which then
	// no longer goes to the output writer. It must be called before Start.
	StdoutPipe() (io.ReadCloser, error)
}
