package base

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/corralrun/corral/internal/envmerge"
	"github.com/corralrun/corral/internal/lines"
	"github.com/corralrun/corral/internal/records"
	"github.com/corralrun/corral/internal/stop"
	"github.com/corralrun/corral/internal/sys"
	"github.com/corralrun/corral/resources"
)

// procState is where a NativeProc is in its one-way lifecycle.
type procState int

const (
	stateNew          procState = iota // configurable
	stateRunning                       // started; done closes when finished
	stateStoppedEarly                  // Stop before Start: Start returns ErrStopped
)

// NativeProc is one process tree on the host. Obtain it from
// NativeEnvironment.NewProcess, configure it, then Start or Run it once.
//
// The process starts in a containment of its own (a cgroup, else a process
// group) with CORRAL_TREE set to its tree id, and a record of it is on disk
// before its program runs. When the leader exits, whatever it left running
// in its tree is stopped (SIGTERM, grace period, SIGKILL) before Wait
// returns: a tree never outlives its leader.
//
// Output: with WithOutput, stdout and stderr reach the writer one Write per
// line, newline included, whatever the line's length; without it they are
// discarded (the child writes to /dev/null). If the writer fails, later
// lines are dropped but still read, so the child never blocks.
//
// Beyond Proc, a NativeProc has the leader's PID, signals to the whole
// tree, stdin and stdout pipes, stdio files and the terminal's
// foreground: the methods of HostProc, which a caller holding a Proc from
// NewProcess reaches by type assertion.
type NativeProc struct {
	env     *NativeEnvironment
	bin     string // as given
	path    string // resolved at NewProcess
	pathAt  string // the PATH it was resolved with
	args    []string
	grace   time.Duration
	maxLine int            // 0: lines.DefaultMaxLine
	stopSig syscall.Signal // 0: SIGTERM
	logger  *slog.Logger
	guarded bool // WithGuardian was on at NewProcess

	mu        sync.Mutex
	state     procState
	dir       string
	output    io.Writer
	envs      []*resources.EnvironmentVariable
	appends   []envmerge.Append
	stdinR    *os.File // child's end of StdinPipe
	stdoutW   *os.File // child's end of StdoutPipe
	stdio     [3]*os.File
	tty       *os.File
	stopAsked bool  // Stop was called: the end is not the process's error
	ctxErr    error // the start context's error, when it ended the tree
	exited    bool  // the leader exited (it may not be reaped yet)

	// Set by Start, read-only afterwards.
	cmd     *exec.Cmd
	tree    tree
	store   *records.Store
	rec     *records.Record
	streams *lines.Streams
	done    chan struct{}
	result  error
	// guardHome is the corral home whose guardian the tree holds, "" for
	// none; owned by start, then by supervise.
	guardHome string

	sigMu  sync.Mutex // guards reaped and orders signals before the reap
	reaped bool
	seq    *stop.Sequence // the tree's one stop sequence
}

var _ Proc = (*NativeProc)(nil)

// WaitOn is accepted for compatibility with the seed API and has no
// effect on a native process.
func (proc *NativeProc) WaitOn(string) {}

// WithRunningCmd is accepted for compatibility with the seed API and has
// no effect.
func (proc *NativeProc) WithRunningCmd(string) {}

// WithDir sets the directory the process runs in, instead of the
// environment's. A relative dir is taken from the environment's directory.
func (proc *NativeProc) WithDir(dir string) {
	proc.mu.Lock()
	defer proc.mu.Unlock()
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(proc.env.dir, dir)
	}
	proc.dir = dir
}

// WithOutput sets the writer that receives output lines; nil discards
// output. Writes come from at most one goroutine at a time.
func (proc *NativeProc) WithOutput(w io.Writer) {
	proc.mu.Lock()
	defer proc.mu.Unlock()
	proc.output = w
}

// WithEnvironmentVariables adds process-level variables, which win over
// the environment's and the host's. The caller's values are copied.
func (proc *NativeProc) WithEnvironmentVariables(_ context.Context, envs ...*resources.EnvironmentVariable) {
	proc.mu.Lock()
	defer proc.mu.Unlock()
	proc.envs = append(proc.envs, envmerge.Copy(envs)...)
}

// WithEnvironmentVariablesAppend appends added.Value to the value of
// added.Key the process would otherwise see (process-level, else
// environment-level, else inherited), joined by sep; for an unset or empty
// key the result is the value alone. Appends apply in call order, after
// every WithEnvironmentVariables.
func (proc *NativeProc) WithEnvironmentVariablesAppend(_ context.Context, added *resources.EnvironmentVariable, sep string) {
	if added == nil {
		return
	}
	proc.mu.Lock()
	defer proc.mu.Unlock()
	proc.appends = append(proc.appends, envmerge.Append{Key: added.Key, Value: added.ValueAsString(), Sep: sep})
}

// StdinPipe returns the write end of a pipe that is the process's stdin.
// Close it to send EOF. Once the process has exited, writes fail (EPIPE)
// instead of blocking. It must be called before Start.
func (proc *NativeProc) StdinPipe() (io.WriteCloser, error) {
	proc.mu.Lock()
	defer proc.mu.Unlock()
	if proc.state != stateNew {
		return nil, fmt.Errorf("StdinPipe: %w", ErrAlreadyStarted)
	}
	if proc.stdinR != nil {
		return nil, fmt.Errorf("StdinPipe: already called")
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("StdinPipe: %w", err)
	}
	proc.stdinR = r
	return w, nil
}

// StdoutPipe returns the read end of a pipe that is the process's stdout,
// raw bytes, which then no longer go to the output writer (stderr still
// does). The reader sees EOF once every process of the tree closed its
// stdout; the caller closes it. It must be called before Start.
//
// Unlike os/exec's, this pipe is not closed by Wait: Wait does not wait
// for it to be read, and what the tree wrote stays readable after Wait
// returned, up to EOF. But the pipe holds only what the kernel buffers
// (64 KiB by default on Linux): a process that writes more blocks until
// it is read, and Wait (and Run) do not return while it blocks, until
// Stop or the start context ends the tree. Read it concurrently with Wait
// when the output may be larger than that.
func (proc *NativeProc) StdoutPipe() (io.ReadCloser, error) {
	proc.mu.Lock()
	defer proc.mu.Unlock()
	if proc.state != stateNew {
		return nil, fmt.Errorf("StdoutPipe: %w", ErrAlreadyStarted)
	}
	if proc.stdoutW != nil {
		return nil, fmt.Errorf("StdoutPipe: already called")
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("StdoutPipe: %w", err)
	}
	proc.stdoutW = w
	return r, nil
}

// WithStdio gives the process these files as its stdin, stdout and stderr,
// as they are (a nil one keeps the default). A terminal stays a terminal
// for the child; the output writer is not used for a stream given here.
// It is what `corral run` uses to behave like the bare command.
func (proc *NativeProc) WithStdio(stdin, stdout, stderr *os.File) {
	proc.mu.Lock()
	defer proc.mu.Unlock()
	proc.stdio = [3]*os.File{stdin, stdout, stderr}
}

// WithForeground makes the process group the foreground group of the
// terminal tty while the process runs, as a shell does for a job, so that
// it may read the terminal and receives its Ctrl-C. The caller takes the
// terminal back afterwards.
func (proc *NativeProc) WithForeground(tty *os.File) {
	proc.mu.Lock()
	defer proc.mu.Unlock()
	proc.tty = tty
}

// PID returns the leader's process id, or 0 before Start.
func (proc *NativeProc) PID() int {
	proc.mu.Lock()
	defer proc.mu.Unlock()
	if proc.cmd == nil || proc.cmd.Process == nil {
		return 0
	}
	return proc.cmd.Process.Pid
}

// IsRunning reports whether the process was started and its leader has
// not exited. It never consults the PID alone, so a recycled PID does not
// make a finished process look alive.
func (proc *NativeProc) IsRunning(context.Context) (bool, error) {
	proc.mu.Lock()
	defer proc.mu.Unlock()
	if proc.state != stateRunning || proc.exited {
		return false, nil
	}
	// The leader is our child and is reaped only by supervise, after
	// exited is set, so its PID still names it here.
	return !sys.HasExited(proc.cmd.Process.Pid), nil
}
