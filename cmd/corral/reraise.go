package main

import (
	"errors"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/corralrun/corral/runners/base"
)

// reraised is the signal corral should die of once its command ended:
// SIGINT, when corral was sent it or the command died of it. (SIGQUIT is
// not re-raised: the Go runtime's own disposition for it, which
// signal.Reset restores, prints a goroutine dump and exits 2; corral
// exits 131 instead, as a shell reports that death.)
// A shell running corral in a loop then stops at one Ctrl-C, as it does
// with the bare command (a child that exits 130 is not taken for an
// interrupt; one that dies of SIGINT is).
func reraised(received syscall.Signal, err error) syscall.Signal {
	sig := received
	var ee *base.ExitError
	if sig == 0 && errors.As(err, &ee) {
		sig = ee.Signal
	}
	if sig == syscall.SIGINT {
		return sig
	}
	return 0
}

// dieOf ends corral by sig, its default action restored; code is the
// exit code should the signal not end the process.
func dieOf(sig syscall.Signal, code int) {
	signal.Reset(sig)
	syscall.Kill(os.Getpid(), sig)
	time.Sleep(100 * time.Millisecond) // delivery is asynchronous
	os.Exit(code)
}
