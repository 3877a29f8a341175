package docker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/moby/moby/client"

	"github.com/corralrun/corral/internal/envmerge"
	"github.com/corralrun/corral/internal/proc"
	"github.com/corralrun/corral/internal/stop"
	"github.com/corralrun/corral/resources"
)

// errNoContainer is wrapped when the environment's container was
// removed under a process.
var errNoContainer = errors.New("docker: the environment's container is gone")

// DockerProc is one process tree run through exec in the environment's
// container, with the Proc contract of runners/proc. Configure it, then
// Start or Run it once. Start, Run, Wait, Stop and IsRunning are safe for
// concurrent use; configuration methods must be called before Start.
type DockerProc struct {
	env     *DockerEnvironment
	ctr     *liveContainer
	bin     string
	args    []string
	grace   time.Duration
	maxLine int
	stopSig syscall.Signal
	logger  *slog.Logger
	tree    string

	mu      sync.Mutex
	dir     string
	out     io.Writer
	envs    []*resources.EnvironmentVariable
	appends []envmerge.Append
	stdin   *io.PipeReader
	stdinW  *io.PipeWriter
	stdoutR *io.PipeReader
	stdoutW *io.PipeWriter
	started bool
	stopped bool // Stop was called: a later Start fails, the exit is ours
	execID  string
	done    chan struct{} // closed once result is set
	result  error
	ctxErr  error // set when the start context ended the tree
	seq     *stop.Sequence
	streams *procStreams
}

var _ proc.Proc = (*DockerProc)(nil)

// NewProcess returns a process, not started, that runs bin with args in
// the container. bin is looked up in the container's PATH (as the
// environment's variables leave it) unless it holds a '/'; a relative
// path is taken from the working directory. It fails with an error
// wrapping proc.ErrBinaryNotFound when bin is not an executable file
// there, and with ErrNotInitialized before Init. A lookup costs one exec;
// its answer is kept for the life of the container.
func (d *DockerEnvironment) NewProcess(bin string, args ...string) (proc.Proc, error) {
	d.mu.Lock()
	ctr, shut := d.ctr, d.shut
	d.mu.Unlock()
	set := d.Snapshot()
	switch {
	case shut:
		return nil, ErrShutdown
	case ctr == nil:
		return nil, ErrNotInitialized
	}
	if err := d.lookup(ctr, bin, ctr.workDir); err != nil {
		return nil, err
	}
	id := make([]byte, 16)
	rand.Read(id)
	return &DockerProc{
		env: d, ctr: ctr, bin: bin, args: append([]string(nil), args...),
		grace: set.Grace, maxLine: set.MaxLine, stopSig: set.StopSignal, logger: set.Logger, tree: hex.EncodeToString(id),
		done: make(chan struct{}),
	}, nil
}

// WaitOn is informational and does nothing.
func (p *DockerProc) WaitOn(string) {}

// WithDir sets the directory inside the container the process starts in.
func (p *DockerProc) WithDir(dir string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dir = dir
}

// WithOutput sets where output lines go, one Write per line; nil: output
// is read and discarded.
func (p *DockerProc) WithOutput(w io.Writer) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.out = w
}

// WithEnvironmentVariables adds process-level variables; the caller's
// values are copied.
func (p *DockerProc) WithEnvironmentVariables(_ context.Context, envs ...*resources.EnvironmentVariable) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.envs = append(p.envs, envmerge.Copy(envs)...)
}

// WithEnvironmentVariablesAppend appends env's value, after sep, to the
// value the process would otherwise see: process-level, else
// environment-level, else the container's.
func (p *DockerProc) WithEnvironmentVariablesAppend(_ context.Context, env *resources.EnvironmentVariable, sep string) {
	if env == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.appends = append(p.appends, envmerge.Append{Key: env.Key, Value: env.ValueAsString(), Sep: sep})
}

// StdinPipe returns a writer connected to the process's stdin; closing
// it closes the process's stdin. After the process exits, writes fail.
func (p *DockerProc) StdinPipe() (io.WriteCloser, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started {
		return nil, proc.ErrAlreadyStarted
	}
	if p.stdinW == nil {
		p.stdin, p.stdinW = io.Pipe()
	}
	return p.stdinW, nil
}

// StdoutPipe returns a reader of the process's stdout, which then no
// longer goes to the output writer; it sees EOF after the process's
// stdout closed. Wait returns only once it was read to the end (or
// closed), as the output is delivered before Wait returns.
func (p *DockerProc) StdoutPipe() (io.ReadCloser, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started {
		return nil, proc.ErrAlreadyStarted
	}
	if p.stdoutR == nil {
		p.stdoutR, p.stdoutW = io.Pipe()
	}
	return p.stdoutR, nil
}

// Run starts the process and waits for it: nil on exit 0, an
// *proc.ExitError on a non-zero exit, nil after our own Stop, ctx.Err()
// after ctx was cancelled.
func (p *DockerProc) Run(ctx context.Context) error {
	if err := p.Start(ctx); err != nil {
		return err
	}
	return p.Wait(context.Background())
}

// Wait blocks until the process exited, its output was delivered and
// whatever it left running in its tree was stopped, or ctx is done (then
// it returns ctx.Err() and the process keeps running). Every caller gets
// the same result. ErrNotStarted before Start.
func (p *DockerProc) Wait(ctx context.Context) error {
	p.mu.Lock()
	started := p.started
	p.mu.Unlock()
	if !started {
		return proc.ErrNotStarted
	}
	select {
	case <-p.done:
		return p.result
	case <-ctx.Done():
		return ctx.Err()
	}
}

// IsRunning reports whether the process was started and has not exited:
// false once Wait would return, or once the engine reports the exec ended.
func (p *DockerProc) IsRunning(ctx context.Context) (bool, error) {
	p.mu.Lock()
	started, id := p.started, p.execID
	p.mu.Unlock()
	if !started {
		return false, nil
	}
	select {
	case <-p.done:
		return false, nil
	default:
	}
	ins, err := p.env.eng.api.ExecInspect(ctx, id, client.ExecInspectOptions{})
	if err != nil {
		return false, p.env.eng.apiError("inspect exec", err)
	}
	// The engine acknowledges an exec before its process runs: until it
	// reports a PID, the process is starting, which counts as running
	// (it has not exited; done is not closed).
	return ins.Running || ins.PID == 0, nil
}

// Stop stops the whole tree inside the container: SIGTERM to every
// process that carries the tree's marker (children, grandchildren, also
// those that called setsid), the grace period, SIGKILL, and returns once
// none is left and the output was delivered. A cancelled ctx skips the
// rest of the grace period, not the kill. Stop before Start is legal: a
// later Start fails with ErrStopped. It is idempotent and safe from many
// goroutines.
func (p *DockerProc) Stop(ctx context.Context) error {
	p.mu.Lock()
	p.stopped = true
	started, seq := p.started, p.seq
	p.mu.Unlock()
	if !started || seq == nil {
		return nil
	}
	if err := seq.Run(ctx, stop.Wait{}); err != nil {
		return fmt.Errorf("docker: stop %s: %w", filepath.Base(p.bin), err)
	}
	// The tree is gone: the attach stream ended and the result is set
	// at once after; bounded, as the engine may lag.
	timer := time.NewTimer(5 * time.Second)
	defer timer.Stop()
	select {
	case <-p.done:
	case <-timer.C:
	}
	return nil
}
