//go:build !linux

package main

import (
	"errors"
	"fmt"
)

// setSubreaper: only Linux has PR_SET_CHILD_SUBREAPER.
func setSubreaper(bool) error {
	return fmt.Errorf("child subreaper: %w", errors.ErrUnsupported)
}

// loop is never started where setSubreaper fails.
func (r *orphanReaper) loop(int) { close(r.done) }
