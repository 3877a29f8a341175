package proc

import (
	"log/slog"
	"syscall"
	"testing"
	"time"
)

func TestSettings(t *testing.T) {
	var s Settings
	if got := s.Snapshot(); got.Grace != DefaultGracePeriod || got.StopSignal != 0 || got.MaxLine != 0 || got.Logger != slog.Default() {
		t.Fatalf("zero Settings give %+v, want the defaults", got)
	}
	l := slog.New(slog.DiscardHandler)
	s.WithGracePeriod(-time.Second)
	s.WithStopSignal(syscall.SIGINT)
	s.WithMaxLineLength(1 << 20)
	s.WithLogger(l)
	want := ProcessSettings{Grace: 0, StopSignal: syscall.SIGINT, MaxLine: 1 << 20, Logger: l}
	if got := s.Snapshot(); got != want {
		t.Fatalf("Snapshot = %+v, want %+v", got, want)
	}
}
