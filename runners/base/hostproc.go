package base

import (
	"context"
	"io"
	"os"
	"syscall"
)

// HostProc is what a process tree running on this host offers beyond
// Proc: its leader's PID, signals to the whole tree, pipes to its stdin
// and stdout, files given as its stdio, and the terminal's foreground.
// NewProcess of NativeEnvironment and of NixEnvironment returns a Proc
// that is a HostProc (*NativeProc, *NixProc); a container backend's Proc
// is not one. Type-assert to it:
//
//	p, err := env.NewProcess("make", "watch")
//	...
//	hp, ok := p.(base.HostProc)
//
// The configuration methods (StdinPipe, StdoutPipe, WithStdio,
// WithForeground) must be called before Start, as Proc's; the others are
// safe for concurrent use at any time.
type HostProc interface {
	Proc

	// PID returns the leader's process id, or 0 before Start. The leader
	// leads the tree's process group, so it is also the group's id; once
	// Wait returned, the PID may name another process.
	PID() int
	// Signal sends sig to every process of the tree while the tree is
	// ours to signal: before Start it returns ErrNotStarted, after the
	// leader was reaped it sends nothing and returns os.ErrProcessDone.
	// It does not stop the tree: use Stop.
	Signal(sig syscall.Signal) error
	// StopWithSignal is Stop with sig sent first instead of the
	// environment's stop signal, then the grace period and SIGKILL.
	StopWithSignal(ctx context.Context, sig syscall.Signal) error

	// StdinPipe returns a pipe to the process's stdin; close it to send
	// EOF. Once the process has exited, writes fail instead of blocking.
	StdinPipe() (io.WriteCloser, error)
	// StdoutPipe returns a pipe from the process's stdout, raw bytes. See
	// NativeProc.StdoutPipe for when it must be read.
	StdoutPipe() (io.ReadCloser, error)
	// WithStdio gives the process these files as stdin, stdout and
	// stderr, as they are (nil keeps the default).
	WithStdio(stdin, stdout, stderr *os.File)
	// WithForeground makes the tree's process group the foreground group
	// of the terminal tty while it runs.
	WithForeground(tty *os.File)
}

var (
	_ HostProc = (*NativeProc)(nil)
	_ HostProc = (*NixProc)(nil)
)
