package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"

	"github.com/corralrun/corral/internal/envmerge"
	"github.com/corralrun/corral/internal/lines"
	"github.com/corralrun/corral/internal/proc"
	"github.com/corralrun/corral/internal/records"
	"github.com/corralrun/corral/internal/stop"
	"github.com/corralrun/corral/resources"
)

// Start creates the exec, attaches to its streams and starts it, then
// returns: the process runs. Cancelling ctx later stops the tree as Stop
// does. A second Start returns ErrAlreadyStarted, a Start after Stop
// ErrStopped.
func (p *DockerProc) Start(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.started:
		return proc.ErrAlreadyStarted
	case p.stopped:
		return proc.ErrStopped
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	env, err := p.environment()
	if err != nil {
		return err
	}
	dir := p.dir
	if dir == "" {
		dir = p.ctr.workDir
	}
	eng := p.env.eng
	created, err := eng.api.ExecCreate(ctx, p.ctr.id, client.ExecCreateOptions{
		Env: env, WorkingDir: dir, Cmd: append([]string{p.bin}, p.args...),
		AttachStdin: p.stdin != nil, AttachStdout: true, AttachStderr: true,
	})
	if err != nil {
		if cerrdefs.IsNotFound(err) || cerrdefs.IsConflict(err) {
			return fmt.Errorf("start %s: %w: %v", filepath.Base(p.bin), errNoContainer, err)
		}
		return eng.apiError("start "+filepath.Base(p.bin), err)
	}
	// Attaching starts the exec (POST /exec/{id}/start, hijacked), so no
	// output can be missed.
	att, err := eng.api.ExecAttach(ctx, created.ID, client.ExecAttachOptions{})
	if err != nil {
		return eng.apiError("start "+filepath.Base(p.bin), err)
	}
	p.started, p.execID = true, created.ID
	p.streamOutput(att)
	p.seq = stop.New(&treeTarget{eng: eng, ctrID: p.ctr.id, marker: records.TreeEnv + "=" + p.tree, leaderDone: p.streams.demuxDone, agents: &p.ctr.agents}, stop.Options{Grace: p.grace, Signal: p.stopSig})
	p.env.track(p, true)
	p.logger.Debug("docker: started process", "bin", filepath.Base(p.bin), "args", len(p.args), "container", p.env.ContainerName(), "exec", shortID(created.ID))
	if p.stdin != nil {
		go p.feedStdin(att)
	}
	go p.supervise(ctx, att)
	return nil
}

// environment is what the exec sees: the container's environment, then
// the environment's variables, then the process's, then the appends, and
// the tree's marker last.
func (p *DockerProc) environment() ([]string, error) {
	p.env.mu.Lock()
	envEnvs := append([]*resources.EnvironmentVariable(nil), p.env.envs...)
	p.env.mu.Unlock()
	layers := [][]*resources.EnvironmentVariable{envEnvs, p.envs}
	if err := envmerge.Validate(layers, p.appends); err != nil {
		return nil, fmt.Errorf("start %s: %w", filepath.Base(p.bin), err)
	}
	env := envmerge.Merge(p.ctr.env, layers, p.appends)
	return append(env, records.TreeEnv+"="+p.tree), nil
}

// streamOutput demultiplexes the attach stream into stdout and stderr and
// forwards each line by line: stdout to the StdoutPipe if there is one,
// else to the output writer with stderr.
type procStreams struct {
	demuxDone chan struct{} // closed when the attach stream ended
	lines     *lines.Streams
	linesDone <-chan struct{}
	lw        *lines.Writer
}

func (p *DockerProc) streamOutput(att client.ExecAttachResult) {
	out := p.out
	if out == nil {
		out = io.Discard
	}
	lw := lines.NewWriter(out)
	if p.maxLine > 0 {
		lw.SetMaxLine(p.maxLine)
	}
	outR, outW := io.Pipe()
	errR, errW := io.Pipe()
	var stdoutDst io.Writer = outW
	streams := lines.NewStreams(lw, errR)
	if p.stdoutW != nil {
		stdoutDst = p.stdoutW
		outR.Close()
		outW.Close()
	} else {
		streams.Add(outR)
	}
	streams.Start()
	ps := &procStreams{demuxDone: make(chan struct{}), lines: streams, lw: lw}
	ps.linesDone = streams.Done()
	p.streams = ps
	go func() {
		defer close(ps.demuxDone)
		_, err := stdcopy.StdCopy(stdoutDst, errW, att.Reader)
		outW.CloseWithError(err)
		errW.CloseWithError(err)
		if p.stdoutW != nil {
			p.stdoutW.CloseWithError(err)
		}
	}()
}

// feedStdin copies the StdinPipe to the exec's stdin and half-closes the
// connection at its end. Once the process is gone the connection is
// closed, so a writer never blocks for ever.
func (p *DockerProc) feedStdin(att client.ExecAttachResult) {
	_, err := io.Copy(att.Conn, p.stdin)
	if err == nil {
		att.CloseWrite()
	}
	p.stdin.CloseWithError(errors.Join(io.ErrClosedPipe, err))
}

// supervise is the one owner of a started exec: it waits for the attach
// stream to end (the engine ends it once the process exited), reads the
// exit status with one inspect, stops whatever the process left running
// in its tree, and hands the result to every Wait. A cancelled start
// context stops the tree first.
func (p *DockerProc) supervise(ctx context.Context, att client.ExecAttachResult) {
	ps := p.streams
	stopWatch := context.AfterFunc(ctx, func() {
		p.mu.Lock()
		p.ctxErr = ctx.Err()
		p.mu.Unlock()
		// As Stop does, grace period included: the cancelled ctx must
		// not cut it short.
		p.seq.Run(context.WithoutCancel(ctx), stop.Wait{})
	})
	<-ps.demuxDone
	<-ps.linesDone
	att.Close()
	if p.stdin != nil {
		p.stdin.CloseWithError(io.ErrClosedPipe)
	}
	code, inspectErr := p.exitCode()
	// The leader is gone; the rest of its tree must not outlive it.
	treeErr := p.seq.Run(context.Background(), stop.Wait{})
	stopWatch()
	p.mu.Lock()
	p.result = p.outcome(code, inspectErr, treeErr, ps.lw.Err())
	p.mu.Unlock()
	p.env.track(p, false)
	close(p.done)
}

// exitCode asks the engine for the exec's exit status, once; the engine
// may report it running for a moment after the stream ended.
func (p *DockerProc) exitCode() (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for delay := time.Millisecond; ; delay = min(2*delay, 50*time.Millisecond) {
		ins, err := p.env.eng.api.ExecInspect(ctx, p.execID, client.ExecInspectOptions{})
		if err != nil {
			return 0, p.env.eng.apiError("inspect exec", err)
		}
		if !ins.Running {
			return ins.ExitCode, nil
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("docker: exec %s still running after its streams ended", shortID(p.execID))
		case <-time.After(delay):
		}
	}
}

// outcome is what Run and Wait return.
func (p *DockerProc) outcome(code int, inspectErr, treeErr, writeErr error) error {
	switch {
	case p.ctxErr != nil:
		return p.ctxErr
	case p.stopped:
		return nil
	case inspectErr != nil:
		return inspectErr
	case code != 0:
		return &proc.ExitError{Name: filepath.Base(p.bin), Code: code}
	case treeErr != nil:
		return fmt.Errorf("docker: stop what %s left running: %w", filepath.Base(p.bin), treeErr)
	}
	return writeErr
}

// track adds or removes a started process from those Stop stops.
func (d *DockerEnvironment) track(p *DockerProc, live bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if live {
		d.live[p] = struct{}{}
	} else {
		delete(d.live, p)
	}
}
