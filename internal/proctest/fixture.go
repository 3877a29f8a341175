package proctest

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/corralrun/corral/resources"
	"github.com/corralrun/corral/runners/base"
	"go.uber.org/goleak"
)

// Time bounds. Every test runs under testTimeout; cleanups get a context
// of their own so that they still run when the test's has expired.
const (
	testTimeout    = 60 * time.Second
	cleanupTimeout = 30 * time.Second
	pollEvery      = 5 * time.Millisecond
)

// markVar is set in every process a test starts, to a value unique to the
// test, so that the liveness check can tell the test's processes from a
// process that got a recycled PID.
const markVar = "PROCTEST_MARK"

// fixture is one test's environment, its directory and its marker.
type fixture struct {
	t    *testing.T
	env  Env
	dir  string
	mark string // "PROCTEST_MARK=<random>"
	ctx  context.Context
	leak []goleak.Option
}

// newFixture builds the test's environment in a fresh directory. Its
// cleanups run, in this order: the Stop of every proc the test made (they
// are registered later), the check that no reported process is left, and
// the environment's Shutdown.
func newFixture(t *testing.T, b Backend) *fixture {
	t.Helper()
	dir := t.TempDir()
	env := b.New(t, dir)
	if env == nil {
		t.Fatalf("backend %s: New returned no environment", b.Name)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		if err := env.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	f := &fixture{t: t, env: env, dir: dir, mark: markVar + "=" + rand.Text(), ctx: ctx, leak: b.LeakOptions}
	t.Cleanup(f.killLeftovers)
	return f
}

// sh returns a new process of the environment running script with
// `sh -c script sh args...`, marked as the test's, with its Stop
// registered as a cleanup.
func (f *fixture) sh(script string, args ...string) base.Proc {
	f.t.Helper()
	p := f.shUnmarked(script, args...)
	p.WithEnvironmentVariables(f.ctx, resources.Env(markVar, strings.TrimPrefix(f.mark, markVar+"=")))
	return p
}

// shUnmarked is sh without the marker: for the liveness check itself.
func (f *fixture) shUnmarked(script string, args ...string) base.Proc {
	f.t.Helper()
	p, err := f.env.NewProcess("sh", append([]string{"-c", script, "sh"}, args...)...)
	if err != nil {
		f.t.Fatalf("NewProcess(sh -c …): %v", err)
	}
	f.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		if err := p.Stop(ctx); err != nil {
			f.t.Errorf("Stop in cleanup: %v", err)
		}
	})
	return p
}

// output runs script to completion and returns the Writes it made.
func (f *fixture) output(script string, args ...string) []string {
	f.t.Helper()
	p := f.sh(script, args...)
	rec := &recorder{}
	p.WithOutput(rec)
	if err := p.Run(f.ctx); err != nil {
		f.t.Fatalf("Run: %v (output %q)", err, rec.all())
	}
	return rec.all()
}

// waitFor polls cond until it holds or the test's context ends, and
// reports whether it held.
func (f *fixture) waitFor(cond func() bool) bool {
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for !cond() {
		select {
		case <-f.ctx.Done():
			return cond()
		case <-tick.C:
		}
	}
	return true
}

// recorder records every Write as one element.
type recorder struct {
	mu     sync.Mutex
	writes []string
}

func (r *recorder) Write(b []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.writes = append(r.writes, string(b))
	return len(b), nil
}

func (r *recorder) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.writes...)
}

// errSink is the error of failingWriter.
var errSink = errors.New("proctest: sink broken")

// failingWriter fails every Write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errSink }

// exitCoder is what Run's error must offer on a non-zero exit.
type exitCoder interface{ ExitCode() int }
