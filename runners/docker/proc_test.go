package docker

import (
	"bytes"
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/corralrun/corral/internal/proc"
	"github.com/corralrun/corral/resources"
	"github.com/corralrun/corral/runners/docker/dockertest"
)

// syncBuffer collects output lines, one Write each.
type syncBuffer struct {
	mu     sync.Mutex
	writes []string
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.writes = append(b.writes, string(p))
	return len(p), nil
}

func (b *syncBuffer) lines() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.writes...)
}

func runCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func TestRunOutputAndExitCode(t *testing.T) {
	forEachEngine(t, func(t *testing.T) {
		env := newTestEnv(t)
		p, err := env.NewProcess("sh", "-c", "echo hi; echo err >&2; printf tail; exit 4")
		if err != nil {
			t.Fatal(err)
		}
		var out syncBuffer
		p.WithOutput(&out)
		err = p.Run(runCtx(t))
		var ee *proc.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 4 {
			t.Fatalf("Run = %v, want exit status 4", err)
		}
		got := out.lines()
		want := map[string]bool{"hi\n": true, "err\n": true, "tail": true}
		if len(got) != 3 {
			t.Fatalf("writes %q, want 3 lines", got)
		}
		for _, l := range got {
			if !want[l] {
				t.Errorf("unexpected write %q", l)
			}
		}
	})
}

func TestBinaryNotFound(t *testing.T) {
	forEachEngine(t, func(t *testing.T) {
		env := newTestEnv(t)
		_, err := env.NewProcess("no-such-binary-here")
		if !errors.Is(err, proc.ErrBinaryNotFound) {
			t.Fatalf("NewProcess = %v, want ErrBinaryNotFound", err)
		}
		if err := env.WithBinary("sh"); err != nil {
			t.Fatalf("WithBinary(sh) = %v", err)
		}
		if err := env.WithBinary("/bin/nope"); !errors.Is(err, proc.ErrBinaryNotFound) {
			t.Fatalf("WithBinary(/bin/nope) = %v, want ErrBinaryNotFound", err)
		}
	})
}

func TestLongLineWhole(t *testing.T) {
	forEachEngine(t, func(t *testing.T) {
		env := newTestEnv(t)
		const n = 3 << 20
		p, _ := env.NewProcess("sh", "-c", "head -c 3145728 /dev/zero | tr '\\0' x; echo")
		var out syncBuffer
		p.WithOutput(&out)
		if err := p.Run(runCtx(t)); err != nil {
			t.Fatal(err)
		}
		got := out.lines()
		if len(got) != 1 || len(got[0]) != n+1 || strings.Trim(got[0], "x\n") != "" {
			t.Fatalf("got %d writes (first %d bytes), want one of %d", len(got), len(first(got)), n+1)
		}
	})
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func TestStdinAndStdoutPipes(t *testing.T) {
	forEachEngine(t, func(t *testing.T) {
		env := newTestEnv(t)
		p, _ := env.NewProcess("sh", "-c", "tr a-z A-Z; echo done >&2")
		in, err := p.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		outR, err := p.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var errOut syncBuffer
		p.WithOutput(&errOut)
		ctx := runCtx(t)
		if err := p.Start(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := p.StdinPipe(); !errors.Is(err, proc.ErrAlreadyStarted) {
			t.Errorf("StdinPipe after Start = %v", err)
		}
		go func() {
			in.Write([]byte("hello\n"))
			in.Close()
		}()
		var got bytes.Buffer
		if _, err := got.ReadFrom(outR); err != nil {
			t.Fatal(err)
		}
		if err := p.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		if got.String() != "HELLO\n" {
			t.Errorf("stdout %q", got.String())
		}
		if l := errOut.lines(); len(l) != 1 || l[0] != "done\n" {
			t.Errorf("stderr lines %q", l)
		}
	})
}

func TestStdinNotReadDoesNotBlock(t *testing.T) {
	forEachEngine(t, func(t *testing.T) {
		env := newTestEnv(t)
		p, _ := env.NewProcess("true")
		in, _ := p.StdinPipe()
		ctx := runCtx(t)
		if err := p.Start(ctx); err != nil {
			t.Fatal(err)
		}
		wrote := make(chan error, 1)
		go func() {
			_, err := in.Write(make([]byte, 8<<20))
			wrote <- err
		}()
		if err := p.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		select {
		case <-wrote:
		case <-time.After(20 * time.Second):
			t.Fatal("a write to the stdin of an exited process still blocks")
		}
	})
}

func TestWaitManyAndIsRunning(t *testing.T) {
	forEachEngine(t, func(t *testing.T) {
		env := newTestEnv(t)
		p, _ := env.NewProcess("sh", "-c", "read x; exit 3")
		in, _ := p.StdinPipe()
		if err := p.Wait(context.Background()); !errors.Is(err, proc.ErrNotStarted) {
			t.Fatalf("Wait before Start = %v", err)
		}
		ctx := runCtx(t)
		if err := p.Start(ctx); err != nil {
			t.Fatal(err)
		}
		if err := p.Start(ctx); !errors.Is(err, proc.ErrAlreadyStarted) {
			t.Fatalf("second Start = %v", err)
		}
		if r, err := p.IsRunning(ctx); !r || err != nil {
			t.Fatalf("IsRunning = %v, %v while it reads", r, err)
		}
		short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		if err := p.Wait(short); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Wait(short ctx) = %v", err)
		}
		cancel()
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Go(func() { errs[i] = p.Wait(ctx) })
		}
		in.Write([]byte("go\n"))
		wg.Wait()
		for _, err := range errs {
			var ee *proc.ExitError
			if !errors.As(err, &ee) || ee.Code != 3 {
				t.Fatalf("Wait = %v, want exit status 3", err)
			}
		}
		if r, _ := p.IsRunning(ctx); r {
			t.Fatal("IsRunning after exit")
		}
	})
}

// treeScript starts a child, a grandchild in a new session (setsid) and
// a double-forked one, each ignoring nothing, then says ready and waits.
const treeScript = `sleep 300 & setsid sleep 301 & (sleep 302 &) ; echo ready; wait`

func TestStopWholeTree(t *testing.T) {
	forEachEngine(t, func(t *testing.T) {
		env := newTestEnv(t)
		p, _ := env.NewProcess("sh", "-c", treeScript)
		ready := make(chan struct{})
		p.WithOutput(writerFunc(func(b []byte) {
			if string(b) == "ready\n" {
				close(ready)
			}
		}))
		ctx := runCtx(t)
		if err := p.Start(ctx); err != nil {
			t.Fatal(err)
		}
		select {
		case <-ready:
		case <-ctx.Done():
			t.Fatal("no ready line")
		}
		dp := p.(*DockerProc)
		if n := countTree(t, env, dp); n < 4 {
			t.Fatalf("found %d processes of the tree before Stop, want at least 4", n)
		}
		start := time.Now()
		if err := p.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		if n := countTree(t, env, dp); n != 0 {
			t.Fatalf("%d processes of the tree left after Stop", n)
		}
		if err := p.Wait(ctx); err != nil {
			t.Fatalf("Wait after Stop = %v, want nil", err)
		}
		if err := p.Stop(ctx); err != nil {
			t.Fatalf("second Stop = %v", err)
		}
		t.Logf("Stop took %v", time.Since(start))
	})
}

func TestStopKillsWhatIgnoresTerm(t *testing.T) {
	forEachEngine(t, func(t *testing.T) {
		env := newTestEnv(t, func(e *DockerEnvironment) { e.WithGracePeriod(300 * time.Millisecond) })
		p, _ := env.NewProcess("sh", "-c", `trap "" TERM; setsid sh -c 'trap "" TERM; sleep 300' & echo ready; while :; do sleep 1; done`)
		ready := make(chan struct{})
		p.WithOutput(writerFunc(func(b []byte) {
			if string(b) == "ready\n" {
				close(ready)
			}
		}))
		ctx := runCtx(t)
		if err := p.Start(ctx); err != nil {
			t.Fatal(err)
		}
		<-ready
		if err := p.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		if n := countTree(t, env, p.(*DockerProc)); n != 0 {
			t.Fatalf("%d processes left", n)
		}
	})
}

func TestCancelStopsTree(t *testing.T) {
	forEachEngine(t, func(t *testing.T) {
		env := newTestEnv(t)
		p, _ := env.NewProcess("sh", "-c", treeScript)
		ready := make(chan struct{})
		p.WithOutput(writerFunc(func(b []byte) {
			if string(b) == "ready\n" {
				close(ready)
			}
		}))
		ctx, cancel := context.WithCancel(runCtx(t))
		errc := make(chan error, 1)
		go func() { errc <- p.Run(ctx) }()
		<-ready
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Fatalf("Run after cancel = %v", err)
		}
		if n := countTree(t, env, p.(*DockerProc)); n != 0 {
			t.Fatalf("%d processes left after cancel", n)
		}
	})
}

func TestStopBeforeStart(t *testing.T) {
	forEachEngine(t, func(t *testing.T) {
		env := newTestEnv(t)
		p, _ := env.NewProcess("true")
		if err := p.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := p.Start(context.Background()); !errors.Is(err, proc.ErrStopped) {
			t.Fatalf("Start after Stop = %v", err)
		}
	})
}

func TestEnvironmentLayers(t *testing.T) {
	forEachEngine(t, func(t *testing.T) {
		env := newTestEnv(t)
		p, _ := env.NewProcess("sh", "-c", `echo "$A|$B|$PATH"`)
		env.WithEnvironmentVariables(context.Background(), envVar("A", "env"), envVar("B", "env"))
		p.WithEnvironmentVariables(context.Background(), envVar("B", "proc"))
		p.WithEnvironmentVariablesAppend(context.Background(), envVar("PATH", "/extra"), ":")
		var out syncBuffer
		p.WithOutput(&out)
		if err := p.Run(runCtx(t)); err != nil {
			t.Fatal(err)
		}
		want := "env|proc|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/extra\n"
		if l := out.lines(); len(l) != 1 || l[0] != want {
			t.Fatalf("got %q, want %q", l, want)
		}
	})
}

type writerFunc func([]byte)

func (f writerFunc) Write(b []byte) (int, error) { f(b); return len(b), nil }

// countTree counts the processes carrying p's tree marker, with the same
// walk Stop uses.
func countTree(t *testing.T, env *DockerEnvironment, p *DockerProc) int {
	t.Helper()
	tt := &treeTarget{eng: env.eng, ctrID: env.ContainerID(), marker: "CORRAL_TREE=" + p.tree}
	pids, err := tt.walk("0")
	if err != nil {
		t.Fatal(err)
	}
	return len(pids)
}

func envVar(k, v string) *resources.EnvironmentVariable { return resources.Env(k, v) }

func TestLeftoversStoppedWhenLeaderExits(t *testing.T) {
	forEachEngine(t, func(t *testing.T) {
		env := newTestEnv(t)
		p, _ := env.NewProcess("sh", "-c", "setsid sleep 300 </dev/null >/dev/null 2>&1 & sleep 301 >/dev/null 2>&1 & exit 0")
		start := time.Now()
		if err := p.Run(runCtx(t)); err != nil {
			t.Fatal(err)
		}
		if n := countTree(t, env, p.(*DockerProc)); n != 0 {
			t.Fatalf("%d processes of the tree outlived its leader", n)
		}
		t.Logf("Run took %v", time.Since(start))
	})
}

// The engine answers an exec's start before its process runs: a Stop
// right after Start must still find and stop the tree.
func TestStopRightAfterStart(t *testing.T) {
	forEachEngine(t, func(t *testing.T) {
		env := newTestEnv(t, func(e *DockerEnvironment) { e.WithGracePeriod(200 * time.Millisecond) })
		for range 3 {
			p, _ := env.NewProcess("sh", "-c", "sleep 300 & setsid sleep 301 & wait")
			ctx := runCtx(t)
			if err := p.Start(ctx); err != nil {
				t.Fatal(err)
			}
			if err := p.Stop(ctx); err != nil {
				t.Fatal(err)
			}
			if err := p.Wait(ctx); err != nil {
				t.Fatalf("Wait = %v", err)
			}
			if n := countTree(t, env, p.(*DockerProc)); n != 0 {
				t.Fatalf("%d processes left after Stop right after Start", n)
			}
		}
	})
}

// An image without /bin/sh runs processes (the lookup needs nothing from
// it), but their trees cannot be walked: Stop says why, and Shutdown
// still ends them with the container.
func TestNoShellImage(t *testing.T) {
	forEachEngine(t, func(t *testing.T) {
		e := testEngineAPI(t)
		ctx := runCtx(t)
		const img = "corral-test/nosh:1"
		bb, err := os.ReadFile("/bin/busybox")
		if err != nil {
			t.Fatal(err)
		}
		if err := dockertest.Build(ctx, e.api, img, "FROM scratch\nCOPY busybox /busybox\n", map[string][]byte{"busybox": bb}); err != nil {
			t.Fatal(err)
		}
		env, err := NewDockerHeadlessEnvironment(ctx, mustImage(t, img), testName(t))
		if err != nil {
			t.Fatal(err)
		}
		env.WithEntrypoint("/busybox", "sleep", "100000")
		env.WithGracePeriod(0)
		t.Cleanup(func() { env.Shutdown(context.Background()) })
		if err := env.Init(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := env.NewProcess("sh"); !errors.Is(err, proc.ErrBinaryNotFound) {
			t.Fatalf("NewProcess(sh) = %v, want ErrBinaryNotFound", err)
		}
		p, err := env.NewProcess("/busybox", "sleep", "300")
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Start(ctx); err != nil {
			t.Fatal(err)
		}
		if err := p.Stop(ctx); !errors.Is(err, ErrNoShell) {
			t.Fatalf("Stop = %v, want ErrNoShell", err)
		}
		if err := env.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
		if err := p.Wait(ctx); err != nil {
			t.Fatalf("Wait after Shutdown = %v", err)
		}
	})
}

func TestMaxLineLength(t *testing.T) {
	forEachEngine(t, func(t *testing.T) {
		env := newTestEnv(t, func(e *DockerEnvironment) { e.WithMaxLineLength(64 << 10) })
		p, _ := env.NewProcess("sh", "-c", "head -c 204800 /dev/zero | tr '\\0' x; echo")
		var out syncBuffer
		p.WithOutput(&out)
		if err := p.Run(runCtx(t)); err != nil {
			t.Fatal(err)
		}
		got := out.lines()
		total := 0
		for _, w := range got {
			if len(w) > 64<<10 {
				t.Fatalf("a Write of %d bytes past the 64 KiB cap", len(w))
			}
			total += len(w)
		}
		if len(got) < 4 || total != 204801 || !strings.HasSuffix(got[len(got)-1], "\n") {
			t.Fatalf("%d writes of %d bytes in all, want the 204801-byte line in cap-sized pieces", len(got), total)
		}
	})
}

func TestStopSignal(t *testing.T) {
	forEachEngine(t, func(t *testing.T) {
		env := newTestEnv(t, func(e *DockerEnvironment) { e.WithStopSignal(syscall.SIGUSR1) })
		p, _ := env.NewProcess("sh", "-c", `trap 'echo got USR1; exit 0' USR1; echo ready; while :; do sleep 0.1; done`)
		var out syncBuffer
		ready := make(chan struct{})
		var once sync.Once
		p.WithOutput(writerFunc(func(b []byte) {
			out.Write(b)
			if string(b) == "ready\n" {
				once.Do(func() { close(ready) })
			}
		}))
		ctx := runCtx(t)
		if err := p.Start(ctx); err != nil {
			t.Fatal(err)
		}
		<-ready
		if err := p.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		// The tree's sleep dies of USR1 too, and sh may say so.
		if l := out.lines(); !slices.Contains(l, "got USR1\n") {
			t.Fatalf("output %q: the stop signal was not USR1", l)
		}
	})
}
