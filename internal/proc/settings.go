package proc

import (
	"log/slog"
	"sync"
	"syscall"
	"time"
)

// Settings are what every backend's environment lets a caller set for
// the processes it creates from then on: the grace period, the stop
// signal, the cap on one output line, the logger. An environment embeds
// Settings, which gives it the With… methods, and takes a Snapshot for
// each new process. The zero value is ready to use; it is safe for
// concurrent use and must not be copied after first use.
type Settings struct {
	mu       sync.Mutex
	grace    time.Duration
	graceSet bool
	stopSig  syscall.Signal
	maxLine  int
	logger   *slog.Logger
}

// ProcessSettings are the Settings a process was created with.
type ProcessSettings struct {
	// Grace is the time between the stop signal and SIGKILL.
	Grace time.Duration
	// StopSignal is what Stop sends first; 0 means SIGTERM.
	StopSignal syscall.Signal
	// MaxLine caps one output line's Write; 0 means the default cap
	// (internal/lines).
	MaxLine int
	// Logger is never nil.
	Logger *slog.Logger
}

// WithGracePeriod sets how long Stop waits between the stop signal and
// SIGKILL, for processes created after the call (DefaultGracePeriod until
// then). A negative d counts as zero.
func (s *Settings) WithGracePeriod(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.grace, s.graceSet = max(d, 0), true
}

// WithStopSignal sets the signal Stop and context cancellation send to the
// tree first, before the grace period and SIGKILL, for processes created
// after the call; 0 means SIGTERM. SIGCONT always follows it, so a stopped
// tree can act on it. (A reaper, stopping the trees of dead owners, always
// sends SIGTERM.)
func (s *Settings) WithStopSignal(sig syscall.Signal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopSig = sig
}

// WithMaxLineLength sets the longest output line delivered in one Write,
// for processes created after the call: a longer line arrives in n-byte
// Writes, then the rest of it, so that memory stays bounded whatever a
// process prints. The default is 64 MiB (a 10 MiB line arrives whole); n
// below 64 KiB counts as 64 KiB.
func (s *Settings) WithMaxLineLength(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maxLine = n
}

// WithLogger sets the logger of the environment and of processes created
// after the call; nil means slog.Default(). Nothing is ever printed.
func (s *Settings) WithLogger(l *slog.Logger) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.logger = l
}

// Logger is the environment's logger, slog.Default() unless WithLogger
// set one.
func (s *Settings) Logger() *slog.Logger {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.logger != nil {
		return s.logger
	}
	return slog.Default()
}

// Snapshot is what a process created now takes.
func (s *Settings) Snapshot() ProcessSettings {
	logger := s.Logger()
	s.mu.Lock()
	defer s.mu.Unlock()
	grace := DefaultGracePeriod
	if s.graceSet {
		grace = s.grace
	}
	return ProcessSettings{Grace: grace, StopSignal: s.stopSig, MaxLine: s.maxLine, Logger: logger}
}
