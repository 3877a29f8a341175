package main

import (
	"log/slog"
	"os"
)

// jobControl is not followed outside Linux: a stopped command keeps the
// terminal until it is continued from elsewhere.
type jobControl struct{}

func followJobControl(*os.File, jobProc, *slog.Logger) *jobControl { return &jobControl{} }

func (*jobControl) stop() {}
