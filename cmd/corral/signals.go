package main

import (
	"context"
	"os"
	"syscall"

	"github.com/corralrun/corral/runners/base"
)

// stoppingSignals are the signals on which `corral run` stops its tree and
// exits 128+N (SIGINT by dying of it, see reraised). Each but SIGABRT is
// passed on as the tree's first signal. SIGQUIT and SIGABRT, which the Go
// runtime would answer with a goroutine dump and exit 2 leaving the tree
// running, are stops like the others: QUIT goes to the tree as QUIT (a
// program's own "quit now"), ABRT is not passed on, since it would make
// every member dump core, and the tree gets the stop signal instead.
var stoppingSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGABRT}

// forwardedSignals are passed on to every process of the tree while it
// runs, and change nothing else: SIGUSR1 and SIGUSR2 (a reload, a log
// reopen), and SIGALRM, which a wrapper has no use for and the command
// may. Before the tree runs they are ignored (the Go runtime's default
// for them, silently); on backends that cannot signal a tree (Docker)
// they are dropped with a line at info level.
var forwardedSignals = []os.Signal{syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGALRM}

// isForwarded reports whether sig is one of forwardedSignals.
func isForwarded(sig syscall.Signal) bool {
	for _, s := range forwardedSignals {
		if s == sig {
			return true
		}
	}
	return false
}

// forward passes sig on to proc's tree, where the backend can.
func forward(proc base.Proc, sig syscall.Signal, d *deps) {
	p, ok := proc.(jobProc)
	if !ok {
		d.logger().Info("corral: signal not passed on: this backend cannot signal the tree", "signal", sig)
		return
	}
	if err := p.Signal(sig); err != nil {
		d.logger().Info("corral: pass on signal", "signal", sig, "err", err)
	}
}

// stopWith stops proc passing on sig, the signal corral received, as the
// tree's first signal where the backend can (a shell user's SIGINT reaches
// a Python server as SIGINT); elsewhere, and for SIGABRT, it stops as
// Stop does, with the stop signal.
func stopWith(ctx context.Context, proc base.Proc, sig syscall.Signal) error {
	if p, ok := proc.(interface {
		StopWithSignal(context.Context, syscall.Signal) error
	}); ok && sig != 0 && sig != syscall.SIGABRT {
		return p.StopWithSignal(ctx, sig)
	}
	return proc.Stop(ctx)
}
