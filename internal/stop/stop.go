// Package stop is the one sequence by which corral ends a process tree,
// whoever asks (a Proc's Stop, a leader that exited and left children, a
// cancelled context, the reaper): the stop signal (SIGTERM unless told
// otherwise), SIGCONT so that a stopped tree can act on it, a wait of up
// to the grace period, SIGKILL, and a bounded wait until the tree is
// gone.
//
// The tree is a Target: anything that can signal and kill all of its
// members and tell when none is left. The sequence sends each signal at
// most once however many callers run it, and returns the errors of every
// signal joined, so that a caller logs them once per tree.
package stop

import (
	"context"
	"errors"
	"sync"
	"syscall"
	"time"
)

// Target is one process tree.
type Target interface {
	// Signal sends sig to every member of the tree.
	Signal(sig syscall.Signal) error
	// Kill sends SIGKILL to every member of the tree.
	Kill() error
	// Empty reports whether no member is left.
	Empty() (bool, error)
}

// Terminator is a Target that sends the stop signal and SIGCONT to each
// member in one pass, cheaper than two passes of Signal.
type Terminator interface {
	Terminate(sig syscall.Signal) error
}

// Watcher is a Target that can tell when its emptiness may have changed,
// so that the sequence wakes on the event instead of polling. Watch
// returns a channel that receives a value after each change (values may
// coalesce; the channel may be closed when the watch ends), and stop,
// which ends the watch. An error means no watch: the sequence polls.
type Watcher interface {
	Watch() (changed <-chan struct{}, stop func(), err error)
}

// ErrSurvived is returned when members of the tree are still there after
// SIGKILL and the bounded wait.
var ErrSurvived = errors.New("tree still running after SIGKILL")

// DefaultKillWait bounds the wait for a tree to vanish after SIGKILL.
const DefaultKillWait = 2 * time.Second

// Options configure a Sequence. The zero value sends SIGTERM and kills at
// once.
type Options struct {
	// Grace is how long the tree has between the stop signal and SIGKILL.
	Grace time.Duration
	// Signal is the stop signal; 0 means SIGTERM.
	Signal syscall.Signal
}

// Sequence stops one Target. It is safe for concurrent use: Run may be
// called by any number of goroutines, and each signal is sent once.
type Sequence struct {
	target Target
	opts   Options

	termOnce sync.Once
	killOnce sync.Once
	killed   chan struct{}

	watchOnce sync.Once
	changed   <-chan struct{} // the target's watch, once started
	unwatch   func()

	mu         sync.Mutex
	errs       []error
	emptyErr   bool // an Empty error was noted: poll errors are noted once
	terminated bool // the stop signal was sent: SetSignal is too late
}

// New returns the stop sequence of t.
func New(t Target, o Options) *Sequence {
	if o.Signal == 0 {
		o.Signal = syscall.SIGTERM
	}
	return &Sequence{target: t, opts: o, killed: make(chan struct{})}
}

// SetSignal replaces the stop signal, if the sequence has not sent it
// yet: for a front end that passes on the signal it was itself sent.
func (s *Sequence) SetSignal(sig syscall.Signal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.terminated && sig != 0 {
		s.opts.Signal = sig
	}
}

// Terminate sends the stop signal, then SIGCONT, once.
func (s *Sequence) Terminate() {
	s.termOnce.Do(func() {
		s.mu.Lock()
		s.terminated = true
		sig := s.opts.Signal
		s.mu.Unlock()
		if t, ok := s.target.(Terminator); ok {
			s.note(t.Terminate(sig))
			return
		}
		s.note(s.target.Signal(sig))
		s.note(s.target.Signal(syscall.SIGCONT))
	})
}

// Kill sends SIGKILL once and closes Killed.
func (s *Sequence) Kill() {
	s.killOnce.Do(func() {
		s.note(s.target.Kill())
		close(s.killed)
	})
}

// Killed is closed once SIGKILL was sent.
func (s *Sequence) Killed() <-chan struct{} { return s.killed }

func (s *Sequence) note(err error) {
	if err != nil {
		s.mu.Lock()
		s.errs = append(s.errs, err)
		s.mu.Unlock()
	}
}

// Err returns the errors the signals met so far, joined.
func (s *Sequence) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return errors.Join(s.errs...)
}

// Wait says how Run learns that the tree is gone.
type Wait struct {
	// Done, when set, is closed once the tree is gone: Run waits on it
	// instead of polling Target.Empty.
	Done <-chan struct{}
	// KillWait bounds the wait after SIGKILL; 0 means DefaultKillWait.
	KillWait time.Duration
}

// Run stops the tree: nothing when it is already gone, else the stop
// signal and SIGCONT, a wait of up to the grace period (cut short when ctx
// is done or another caller killed the tree), SIGKILL, and a wait of up to
// KillWait. It returns nil once the tree is gone, else ErrSurvived; the
// errors of the signals sent are joined to it.
func (s *Sequence) Run(ctx context.Context, w Wait) error {
	if w.KillWait == 0 {
		w.KillWait = DefaultKillWait
	}
	if s.gone(w) {
		return nil
	}
	s.Terminate()
	if s.waitGone(w, s.opts.Grace, ctx.Done(), s.killed) {
		return nil
	}
	s.Kill()
	if s.waitGone(w, w.KillWait, nil, nil) {
		return nil
	}
	return errors.Join(ErrSurvived, s.Err())
}

// watch starts the target's watch, if it has one, for the sequence's
// lifetime, and returns its channel (nil without one) and how long the
// poll may sleep between looks: with a watch, the poll is only a safety
// net (concurrent Runs share the channel, so one of them may miss a
// value and wake on its next look instead).
func (s *Sequence) watch() (<-chan struct{}, time.Duration) {
	w, ok := s.target.(Watcher)
	if !ok {
		return nil, 10 * time.Millisecond
	}
	s.watchOnce.Do(func() {
		ch, stop, err := w.Watch()
		if err == nil {
			s.changed, s.unwatch = ch, stop
		}
	})
	if s.changed == nil {
		return nil, 10 * time.Millisecond
	}
	return s.changed, 20 * time.Millisecond
}

// Close ends the target's watch, if one was started. Call it once the
// tree is gone and no Run is in progress.
func (s *Sequence) Close() {
	s.watchOnce.Do(func() {})
	if s.unwatch != nil {
		s.unwatch()
	}
}

func (s *Sequence) gone(w Wait) bool {
	if w.Done != nil {
		select {
		case <-w.Done:
			return true
		default:
			return false
		}
	}
	empty, err := s.target.Empty()
	if err != nil {
		s.mu.Lock()
		if !s.emptyErr {
			s.emptyErr = true
			s.errs = append(s.errs, err)
		}
		s.mu.Unlock()
	}
	return empty
}

// waitGone waits until the tree is gone (true), or d has passed or one of
// the hurry channels is closed (then the last look's answer).
func (s *Sequence) waitGone(w Wait, d time.Duration, hurry1 <-chan struct{}, hurry2 <-chan struct{}) bool {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	if w.Done != nil {
		select {
		case <-w.Done:
			return true
		case <-deadline.C:
		case <-hurry1:
		case <-hurry2:
		}
		return s.gone(w)
	}
	changed, maxDelay := s.watch()
	delay := 200 * time.Microsecond
	for {
		if s.gone(w) {
			return true
		}
		tick := time.NewTimer(delay)
		select {
		case <-deadline.C:
			tick.Stop()
			return s.gone(w)
		case <-hurry1:
			tick.Stop()
			return s.gone(w)
		case <-hurry2:
			tick.Stop()
			return s.gone(w)
		case _, ok := <-changed:
			tick.Stop()
			if !ok {
				changed = nil // the watch ended: poll from now on
			}
		case <-tick.C:
		}
		delay = min(2*delay, maxDelay)
	}
}
