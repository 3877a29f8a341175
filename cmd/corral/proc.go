package main

import (
	"context"
	"os"
	"syscall"

	"github.com/corralrun/corral/runners/base"
)

// jobProc is what job control needs of a running command: its leader's
// PID (its process group) and a way to signal its whole tree.
type jobProc interface {
	PID() int
	Signal(sig syscall.Signal) error
}

// runProc is what `corral run` needs of a process: the Proc contract,
// the files it runs with, the terminal it takes as its foreground, and
// job control. *base.NativeProc (and so a Nix process) is one.
type runProc interface {
	base.Proc
	jobProc
	WithStdio(stdin, stdout, stderr *os.File)
	WithForeground(tty *os.File)
	// StopWithSignal stops the tree with sig sent first.
	StopWithSignal(ctx context.Context, sig syscall.Signal) error
}

var _ runProc = (*base.NativeProc)(nil)
