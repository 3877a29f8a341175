//go:build darwin

package base

import (
	"context"
	"errors"
	"fmt"
	"os"
)

// On macOS there is no /proc; per-process figures need proc_pidinfo
// (libproc, cgo) or sysctl KERN_PROC, not implemented. Only whether the PID
// exists is answered.

func (p *TrackedProcess) state(ctx context.Context) (ProcessState, error) {
	if err := ctx.Err(); err != nil {
		return Unknown, err
	}
	if !IsProcessAlive(p.PID) {
		return NotFound, nil
	}
	return Unknown, fmt.Errorf("base: state of process %d: %w", p.PID, errors.ErrUnsupported)
}

func (p *TrackedProcess) cpu(ctx context.Context) (*CPU, error) {
	return nil, p.unsupported(ctx, "cpu")
}

func (p *TrackedProcess) memory(ctx context.Context) (*Memory, error) {
	return nil, p.unsupported(ctx, "memory")
}

// unsupported returns the error, never nil, for a measure this platform
// cannot take: ctx's error, os.ErrNotExist when the PID names no process, errors.ErrUnsupported
// otherwise.
func (p *TrackedProcess) unsupported(ctx context.Context, what string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !IsProcessAlive(p.PID) {
		return fmt.Errorf("base: process %d: %w", p.PID, os.ErrNotExist)
	}
	return fmt.Errorf("base: %s of process %d: %w", what, p.PID, errors.ErrUnsupported)
}
