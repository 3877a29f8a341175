package proctest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/corralrun/corral/runners/base"
)

// Clause 2: Run.
var runTests = []test{
	{"Run/ExitCodes", 2, testExitCodes},
	{"Run/NilAfterStop", 2, testRunNilAfterStop},
	{"Run/CtxErrAfterCancel", 2, testRunCtxErrAfterCancel},
}

// Clause 3: Wait, and Start's misuse.
var waitTests = []test{
	{"Wait/SameResultForAll", 3, testWaitSameResultForAll},
	{"Wait/NilAfterStopForAll", 3, testWaitNilAfterStopForAll},
	{"Wait/NotStarted", 3, testWaitNotStarted},
	{"Wait/CtxDoneLeavesProcRunning", 3, testWaitCtxDone},
	{"Start/Twice", 3, testStartTwice},
}

// Exit 0 is nil; a non-zero exit, or death by a signal we did not send,
// is an error with ExitCode (128+N for signal N).
func testExitCodes(t *testing.T, f *fixture) {
	tests := []struct {
		name, script string
		code         int
	}{
		{"exit 0", "exit 0", 0},
		{"exit 1", "exit 1", 1},
		{"exit 3", "exit 3", 3},
		{"exit 125", "exit 125", 125},
		{"killed by SIGKILL", "kill -KILL $$", 128 + 9},
	}
	for _, tt := range tests {
		err := f.sh(tt.script).Run(f.ctx)
		if tt.code == 0 {
			if err != nil {
				t.Errorf("%s: Run = %v, want nil", tt.name, err)
			}
			continue
		}
		var ee exitCoder
		if !errors.As(err, &ee) || ee.ExitCode() != tt.code {
			t.Errorf("%s: Run = %v, want an error with ExitCode() %d", tt.name, err, tt.code)
		}
	}
}

// A process ended by our Stop is no error of the process: Run returns
// nil, and only once the tree is gone.
func testRunNilAfterStop(t *testing.T, f *fixture) {
	tr := f.newTree(false, child, session)
	done := make(chan error, 1)
	go func() { done <- tr.Run(f.ctx) }()
	pids := tr.ready()
	if err := tr.Stop(f.ctx); err != nil {
		t.Errorf("Stop = %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Run after Stop = %v, want nil", err)
	}
	f.requireGone("after Run returned", pids)
}

// Cancelling Run's ctx stops the whole tree; Run returns ctx.Err() once
// it is gone.
func testRunCtxErrAfterCancel(t *testing.T, f *fixture) {
	tr := f.newTree(false, child, session, orphan)
	ctx, cancel := context.WithCancel(f.ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- tr.Run(ctx) }()
	pids := tr.ready()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run after cancel = %v, want context.Canceled", err)
	}
	f.requireGone("after the cancelled Run returned", pids)
}

// Any number of concurrent waiters, and a later one, get the process's
// result.
func testWaitSameResultForAll(t *testing.T, f *fixture) {
	p := f.sh(`read -r line; exit 3`)
	in, err := p.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(f.ctx); err != nil {
		t.Fatal(err)
	}
	errs := waitAll(f, p, 8, func() { in.Write([]byte("go\n")); in.Close() })
	errs = append(errs, p.Wait(f.ctx))
	for i, err := range errs {
		var ee exitCoder
		if !errors.As(err, &ee) || ee.ExitCode() != 3 {
			t.Errorf("waiter %d: Wait = %v, want exit code 3", i, err)
		}
	}
}

// Waiters of a process ended by our Stop all get nil.
func testWaitNilAfterStopForAll(t *testing.T, f *fixture) {
	tr, pids := f.startTree(child)
	errs := waitAll(f, tr, 8, func() {
		if err := tr.Stop(f.ctx); err != nil {
			t.Errorf("Stop = %v", err)
		}
	})
	errs = append(errs, tr.Wait(f.ctx))
	for i, err := range errs {
		if err != nil {
			t.Errorf("waiter %d: Wait after Stop = %v, want nil", i, err)
		}
	}
	f.requireGone("after Wait returned", pids)
}

// waitAll starts n goroutines in Wait on p, then calls end, and returns
// what each Wait returned.
func waitAll(f *fixture, p base.Proc, n int, end func()) []error {
	results := make(chan error, n)
	for range n {
		go func() { results <- p.Wait(f.ctx) }()
	}
	end()
	errs := make([]error, n)
	for i := range errs {
		errs[i] = <-results
	}
	return errs
}

// Wait on a proc never started returns ErrNotStarted at once.
func testWaitNotStarted(t *testing.T, f *fixture) {
	p := f.sh(`exit 0`)
	ctx, cancel := context.WithTimeout(f.ctx, 10*time.Second)
	defer cancel()
	var err error
	if took := timed(func() { err = p.Wait(ctx) }); took > time.Second {
		t.Errorf("Wait before Start took %v, want it to return at once", took)
	}
	if !errors.Is(err, base.ErrNotStarted) {
		t.Fatalf("Wait before Start = %v, want ErrNotStarted", err)
	}
}

// Wait whose ctx ends returns ctx.Err(); the process keeps running.
func testWaitCtxDone(t *testing.T, f *fixture) {
	tr, pids := f.startTree()
	ctx, cancel := context.WithTimeout(f.ctx, 20*time.Millisecond)
	defer cancel()
	if err := tr.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait with an expiring ctx = %v, want context.DeadlineExceeded", err)
	}
	if running, err := tr.IsRunning(f.ctx); !running || err != nil {
		t.Fatalf("IsRunning after Wait's ctx ended = %v, %v; want true", running, err)
	}
	if live := f.alive(f.ctx, pids[leader]); len(live) != 1 {
		t.Fatalf("the leader %d is gone after Wait's ctx ended", pids[leader])
	}
}

// A second Start returns ErrAlreadyStarted and leaves the first alone.
func testStartTwice(t *testing.T, f *fixture) {
	tr, pids := f.startTree()
	if err := tr.Start(f.ctx); !errors.Is(err, base.ErrAlreadyStarted) {
		t.Fatalf("second Start = %v, want ErrAlreadyStarted", err)
	}
	if err := tr.Run(f.ctx); !errors.Is(err, base.ErrAlreadyStarted) {
		t.Fatalf("Run after Start = %v, want ErrAlreadyStarted", err)
	}
	if live := f.alive(f.ctx, pids[leader]); len(live) != 1 {
		t.Fatalf("the leader %d is gone after the second Start", pids[leader])
	}
}
