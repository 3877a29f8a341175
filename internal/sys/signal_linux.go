package sys

import (
	"errors"
	"syscall"
)

// SignalVerified sends sig to pid only if isOurs, checked after the
// process was pinned (see Pin), still holds. A process that is already
// gone is not an error; one that fails the check gives ErrNotOurs.
func SignalVerified(pid int, sig syscall.Signal, isOurs func() bool) error {
	p, err := PinProcess(pid)
	if errors.Is(err, ErrGone) {
		return nil
	}
	if err != nil {
		return err
	}
	defer p.Close()
	if !isOurs() {
		return ErrNotOurs
	}
	return p.Signal(sig)
}
