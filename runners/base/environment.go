package base

import (
	"context"
	"io"

	"github.com/corralrun/corral/resources"
)

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
