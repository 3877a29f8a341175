package base

import (
	"context"
	"errors"
	"sync"
	"time"
)

// lineRecorder records every Write as one element.
type lineRecorder struct {
	mu     sync.Mutex
	writes []string
}

func (r *lineRecorder) Write(b []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.writes = append(r.writes, string(b))
	return len(b), nil
}

func (r *lineRecorder) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.writes...)
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("sink broken") }

// pollUntil polls cond with a growing interval until it holds (true), or
// d has passed or ctx is done (cond's last answer).
func pollUntil(ctx context.Context, d time.Duration, cond func() bool) bool {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	delay := 200 * time.Microsecond
	for {
		if cond() {
			return true
		}
		tick := time.NewTimer(delay)
		select {
		case <-deadline.C:
			tick.Stop()
			return cond()
		case <-ctx.Done():
			tick.Stop()
			return cond()
		case <-tick.C:
		}
		delay = min(2*delay, 10*time.Millisecond)
	}
}
