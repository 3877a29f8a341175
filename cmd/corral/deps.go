package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"syscall"
	"time"

	"github.com/corralrun/corral/runners/base"
)

// deps is everything a command touches outside its own code: the standard
// streams, the logger, and the library calls whose results tests want to
// choose. defaultDeps wires the real ones; tests replace fields.
type deps struct {
	// stdin is given to `corral run`'s command; nil means /dev/null.
	stdin *os.File
	// stdout and stderr receive corral's output. `corral run` gives them
	// to the command as they are when they are files, through a pipe
	// otherwise.
	stdout, stderr io.Writer

	// reraise, when set, is the signal corral dies of after its
	// command: a SIGINT that ended the command or that corral was sent,
	// as shells expect of their children.
	reraise syscall.Signal

	// ran is set once a command's logic starts: an error after that is
	// the command's, an error before it is bad usage.
	ran bool
	// log is the logger built from --log-level; nil until flags are
	// parsed.
	log *slog.Logger

	// openTTY opens corral's controlling terminal (/dev/tty), for job
	// control when stdin is not that terminal; nil means there is none
	// to look for (tests that do not want the runner's terminal).
	openTTY func() (*os.File, error)

	reap func(ctx context.Context, opts base.ReapOptions) (*base.ReapReport, error)
	// detachedReap, when set, replaces starting a detached `corral
	// reap` (reapFirst's hand-off) and returns its PID.
	detachedReap func() (int, error)
	listTrees    func(ctx context.Context) ([]base.TreeStatus, error)
	freePort     func() (int, error)
	now          func() time.Time
	doctor       doctorDeps
	docker       dockerDeps
}

func defaultDeps() *deps {
	return &deps{
		stdin:     os.Stdin,
		stdout:    os.Stdout,
		stderr:    os.Stderr,
		openTTY:   openDevTTY,
		reap:      base.Reap,
		listTrees: base.ListTrees,
		freePort:  base.FindFreePort,
		now:       time.Now,
		doctor:    defaultDoctorDeps(),
		docker:    defaultDockerDeps(),
	}
}

// logger returns the logger commands and the library log to.
func (d *deps) logger() *slog.Logger {
	if d.log == nil {
		d.setLogger(defaultLogLevel)
	}
	return d.log
}

// setLogger makes the logger a text handler on stderr at level.
func (d *deps) setLogger(level slog.Level) {
	d.log = slog.New(slog.NewTextHandler(d.stderr, &slog.HandlerOptions{Level: level}))
}
