package sys

import (
	"errors"
	"fmt"
	"syscall"
)

// SignalVerified sends sig to pid if isOurs holds. darwin has no pidfds:
// the check and the kill(2) are as close together as the API allows.
func SignalVerified(pid int, sig syscall.Signal, isOurs func() bool) error {
	if !isOurs() {
		return ErrNotOurs
	}
	err := syscall.Kill(pid, sig)
	if err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("signal process %d: %w", pid, err)
	}
	return nil
}
