package base

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	"github.com/corralrun/corral/internal/envmerge"
	"github.com/corralrun/corral/internal/lines"
	"github.com/corralrun/corral/internal/records"
	"github.com/corralrun/corral/internal/stop"
	"github.com/corralrun/corral/resources"
	"golang.org/x/sys/unix"
)

// Start starts the process and returns once it runs. Cancelling ctx later
// stops the tree as Stop does, and Wait then returns ctx.Err(). A second
// Start returns ErrAlreadyStarted, a Start after Stop ErrStopped.
func (proc *NativeProc) Start(ctx context.Context) error {
	stopOnCancel, err := proc.start(ctx)
	if err != nil {
		return err
	}
	go proc.supervise(stopOnCancel)
	return nil
}

// Run starts the process and waits for it, with Wait's result. The
// supervision Start runs in a goroutine of its own runs here, in the
// caller's goroutine.
func (proc *NativeProc) Run(ctx context.Context) error {
	stopOnCancel, err := proc.start(ctx)
	if err != nil {
		return err
	}
	proc.supervise(stopOnCancel) // cancellation of ctx ends the tree, so this ends too
	return proc.result
}

// start launches the process; the caller must then run supervise, which
// owns it from there, with the returned function.
func (proc *NativeProc) start(ctx context.Context) (stopOnCancel func() bool, err error) {
	proc.mu.Lock()
	defer proc.mu.Unlock()
	switch proc.state {
	case stateRunning:
		return nil, fmt.Errorf("start %s: %w", proc.bin, ErrAlreadyStarted)
	case stateStoppedEarly:
		return nil, fmt.Errorf("start %s: %w", proc.bin, ErrStopped)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("start %s: %w", proc.bin, err)
	}
	proc.done = make(chan struct{})
	proc.seq = stop.New(treeTarget{proc}, stop.Options{Grace: proc.grace, Signal: proc.stopSig})
	if err := proc.startLocked(); err != nil {
		proc.unguard()
		return nil, fmt.Errorf("start %s: %w", proc.bin, err)
	}
	proc.state = stateRunning
	proc.env.track(proc, true)
	return context.AfterFunc(ctx, func() { proc.stopForContext(ctx) }), nil
}

func (proc *NativeProc) startLocked() error {
	layers := [][]*resources.EnvironmentVariable{proc.env.envSnapshot(), proc.envs}
	if err := envmerge.Validate(layers, proc.appends); err != nil {
		return err
	}
	store, err := records.Open()
	if err != nil {
		return err
	}
	// Before anything of the tree is on disk, the owner lock included.
	if err := proc.guard(store.Home()); err != nil {
		return err
	}
	if err := store.HoldOwnerLock(); err != nil {
		// Only reapers in another PID namespace need it; here the owner's
		// PID and start time prove its liveness.
		proc.logger.Debug("corral: owner lock", "err", err)
	}
	rec, err := records.New(proc.env.containment.Kind, "", proc.grace)
	if err != nil {
		return err
	}
	env := records.ChildTreeEnv(envmerge.Merge(proc.env.inherited(), layers, proc.appends), rec.Tree)
	if err := usableDir(proc.workDir()); err != nil {
		return err
	}
	path, err := proc.resolve(env)
	if err != nil {
		return err
	}
	rec.Name = filepath.Base(path)
	proc.store, proc.rec = store, rec
	return proc.launch(rec.Tree, path, env)
}

// resolve finds the binary again when process-level variables changed
// PATH since NewProcess.
func (proc *NativeProc) resolve(env []string) (string, error) {
	dir := proc.workDir()
	if p, _ := envmerge.Lookup(env, "PATH"); p != proc.pathAt || (proc.dir != "" && !filepath.IsAbs(proc.bin)) {
		return lookPath(proc.bin, p, dir)
	}
	return proc.path, nil
}

// usableDir checks, before anything is recorded or started, that the
// process can run in dir, so that the error names the directory rather
// than the binary (which is how exec reports a missing or unreadable
// working directory).
func usableDir(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case err != nil:
		return fmt.Errorf("directory %s: %w", dir, err)
	case !fi.IsDir():
		return fmt.Errorf("directory %s: not a directory", dir)
	}
	if err := unix.Access(dir, unix.X_OK); err != nil {
		return fmt.Errorf("directory %s: %w", dir, err)
	}
	return nil
}

func (proc *NativeProc) workDir() string {
	if proc.dir != "" {
		return proc.dir
	}
	return proc.env.dir
}

// launch writes the record, creates the containment and starts the
// child, in that order: whenever the owner dies, every process of the tree
// is in a recorded cgroup or carries a recorded CORRAL_TREE, and a cgroup
// that exists is recorded.
func (proc *NativeProc) launch(id, path string, env []string) (err error) {
	t := newTree(proc.env.containment, proc.store.Home(), id)
	proc.tree = t
	proc.rec.Containment = t.kind()
	proc.rec.Cgroup = t.cgroupPath()
	var childFiles []*os.File // the child's ends, closed once it has them
	defer func() {
		for _, f := range childFiles {
			f.Close()
		}
		if err != nil {
			proc.closeParentEnds()
			proc.store.Remove(proc.rec.FileName())
			t.release()
		}
	}()
	if err := proc.store.Write(proc.rec); err != nil {
		return err
	}
	if err := t.create(); err != nil {
		return err
	}
	cmd := &exec.Cmd{Path: path, Args: append([]string{proc.bin}, proc.args...), Env: env, Dir: proc.workDir()}
	cmd.SysProcAttr = &syscall.SysProcAttr{}
	t.attr(cmd.SysProcAttr)
	if proc.tty != nil {
		cmd.SysProcAttr.Foreground = true
		cmd.SysProcAttr.Ctty = int(proc.tty.Fd())
	}
	files, err := proc.wireStdio(cmd)
	childFiles = append(childFiles, files...)
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	proc.cmd = cmd
	t.started(cmd.Process.Pid)
	proc.logger.Debug("corral: started", "name", proc.rec.Name, "args", len(proc.args), "pid", cmd.Process.Pid, "containment", t.kind(), "tree", id)
	return nil
}

// wireStdio connects the child's standard files and returns the child's
// ends, which the parent closes after Start.
func (proc *NativeProc) wireStdio(cmd *exec.Cmd) (childEnds []*os.File, err error) {
	if proc.stdinR != nil {
		cmd.Stdin = proc.stdinR
		childEnds = append(childEnds, proc.stdinR)
		proc.stdinR = nil
	} else if proc.stdio[0] != nil {
		cmd.Stdin = proc.stdio[0]
	}
	lw := lines.NewWriter(proc.output)
	if proc.maxLine > 0 {
		lw.SetMaxLine(proc.maxLine)
	}
	proc.streams = lines.NewStreams(lw)
	pipeTo := func(f *os.File) (*os.File, error) {
		if f != nil {
			return f, nil
		}
		if proc.output == nil {
			return nil, nil // os/exec connects /dev/null
		}
		r, w, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		proc.streams.Add(r)
		childEnds = append(childEnds, w)
		return w, nil
	}
	stdout := proc.stdio[1]
	if proc.stdoutW != nil {
		stdout = proc.stdoutW
		childEnds = append(childEnds, proc.stdoutW)
		proc.stdoutW = nil
	}
	out, err := pipeTo(stdout)
	if err != nil {
		return childEnds, err
	}
	errOut, err := pipeTo(proc.stdio[2])
	if err != nil {
		return childEnds, err
	}
	if out != nil {
		cmd.Stdout = out
	}
	if errOut != nil {
		cmd.Stderr = errOut
	}
	return childEnds, nil
}

// closeParentEnds releases pipes made for a start that failed, or for a
// process stopped before it started.
func (proc *NativeProc) closeParentEnds() {
	if proc.streams != nil {
		proc.streams.CloseAll()
	}
	for _, f := range []*os.File{proc.stdinR, proc.stdoutW} {
		if f != nil {
			f.Close()
		}
	}
	proc.stdinR, proc.stdoutW = nil, nil
}
