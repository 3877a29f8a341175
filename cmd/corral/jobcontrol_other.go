//go:build !linux

package main

import (
	"log/slog"
	"os"

	"github.com/corralrun/corral/runners/base"
)

// jobControl is not followed outside Linux: a stopped command keeps the
// terminal until it is continued from elsewhere.
type jobControl struct{}

func followJobControl(*os.File, *base.NativeProc, *slog.Logger) *jobControl { return &jobControl{} }

func (*jobControl) stop() {}
