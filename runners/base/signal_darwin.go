package base

import (
	"errors"
	"fmt"
	"syscall"
)

// signalVerified sends sig to pid if isOurs holds. darwin has no pidfds:
// the check and the kill(2) are as close together as the API allows.
func signalVerified(pid int, sig syscall.Signal, isOurs func() bool) error {
	if !isOurs() {
		return errNotOurs
	}
	err := syscall.Kill(pid, sig)
	if err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("signal process %d: %w", pid, err)
	}
	return nil
}
