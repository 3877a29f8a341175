package base

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/corralrun/corral/internal/records"
	"github.com/corralrun/corral/resources"
)

// contractEnv is what the contract suite needs of a backend.
type contractEnv interface {
	RunnerEnvironment
	WithGracePeriod(time.Duration)
}

// backends are the implementations the Proc contract suite runs over.
// Each returns an environment rooted at a temporary directory, with
// CORRAL_HOME pointing at another.
var backends = map[string]func(t *testing.T) contractEnv{
	"native-cgroup": func(t *testing.T) contractEnv {
		env := newTestNative(t)
		if env.containment.Kind != ContainmentCgroup {
			requireOrSkip(t, "no writable cgroup v2 here: "+env.containment.Reason)
		}
		return env
	},
	"native-pgroup": func(t *testing.T) contractEnv {
		env := newTestNative(t)
		env.containment = Containment{Kind: ContainmentPgroup, Reason: "test"}
		return env
	},
}

func newTestNative(t *testing.T) *NativeEnvironment {
	t.Helper()
	t.Setenv(records.HomeEnv, t.TempDir())
	env, err := NewNativeEnvironment(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// requireOrSkip skips with reason, or fails under CI=true, where every
// suite must run.
func requireOrSkip(t *testing.T, reason string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true and cannot run: %s", reason)
	}
	t.Skip(reason)
}

// forEachBackend runs test as a subtest per backend.
func forEachBackend(t *testing.T, test func(t *testing.T, env contractEnv)) {
	for name, newEnv := range backends {
		t.Run(name, func(t *testing.T) { test(t, newEnv(t)) })
	}
}

// contractProc returns a process of env running the named test helper,
// marked with mark.
func contractProc(t *testing.T, env contractEnv, mark, helper string, args ...string) Proc {
	t.Helper()
	p, err := env.NewProcess(os.Args[0], args...)
	if err != nil {
		t.Fatal(err)
	}
	p.WithEnvironmentVariables(context.Background(),
		resources.Env(helperEnv, helper), resources.Env(markEnv, mark), resources.Env("GORACE", "atexit_sleep_ms=0"))
	return p
}

// startReady starts p with its stdout on a pipe and waits for "ready".
func startReady(t *testing.T, ctx context.Context, p Proc) {
	t.Helper()
	out, err := p.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Stop(context.Background()); out.Close() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if line != "ready\n" {
		t.Fatalf("helper said %q, %v; want ready", line, err)
	}
}

// Clause 1: one Write per line, newline included, any length, the last
// line without newline too.
func TestProcOutputLines(t *testing.T) {
	forEachBackend(t, func(t *testing.T, env contractEnv) {
		const n = 10 << 20
		p := contractProc(t, env, newMark(t), "proc-long-line", strconv.Itoa(n))
		rec := &lineRecorder{}
		p.WithOutput(rec)
		if err := p.Run(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		w := rec.all()
		if len(w) != 2 {
			t.Fatalf("got %d writes, want 2", len(w))
		}
		if len(w[0]) != n+1 || strings.Trim(w[0], "x") != "\n" {
			t.Errorf("first write: %d bytes, want %d x's and a newline", len(w[0]), n)
		}
		if w[1] != "last line without newline" {
			t.Errorf("last write %q", w[1])
		}
	})
}

// Clause 1: lines of stdout and stderr never interleave inside a line, and
// none is lost or reordered within its stream.
func TestProcOutputStreamsDoNotInterleave(t *testing.T) {
	forEachBackend(t, func(t *testing.T, env contractEnv) {
		const n = 20000
		p := contractProc(t, env, newMark(t), "proc-lines", strconv.Itoa(n))
		rec := &lineRecorder{}
		p.WithOutput(rec)
		if err := p.Run(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		next := map[string]int{}
		for _, w := range rec.all() {
			tag, num, ok := strings.Cut(strings.TrimSuffix(w, "\n"), " ")
			if !ok || !strings.HasSuffix(w, "\n") || strings.Trim(tag, tag[:3]) != "" {
				t.Fatalf("write is not one whole line: %.80q", w)
			}
			if i, _ := strconv.Atoi(num); i != next[tag[:3]] {
				t.Fatalf("stream %s: line %d, want %d", tag[:3], i, next[tag[:3]])
			}
			next[tag[:3]]++
		}
		if next["out"] != n || next["err"] != n {
			t.Fatalf("got %d stdout and %d stderr lines, want %d each", next["out"], next["err"], n)
		}
	})
}

// Clause 1: with no writer, or a failing one, the child never blocks on a
// full pipe.
func TestProcOutputNeverBlocksChild(t *testing.T) {
	for name, w := range map[string]io.Writer{"no writer": nil, "failing writer": failingWriter{}} {
		t.Run(name, func(t *testing.T) {
			forEachBackend(t, func(t *testing.T, env contractEnv) {
				p := contractProc(t, env, newMark(t), "proc-flood", strconv.Itoa(8<<20))
				p.WithOutput(w)
				err := p.Run(testCtx(t))
				if w == nil && err != nil {
					t.Fatalf("Run: %v", err)
				}
				var ee *ExitError
				if errors.As(err, &ee) {
					t.Fatalf("child failed to write: %v", err)
				}
				if w != nil && (err == nil || !strings.Contains(err.Error(), "sink broken")) {
					t.Fatalf("Run = %v, want the writer's error reported", err)
				}
			})
		})
	}
}

// Clause 2: exit codes, and all output delivered before Run returns.
func TestProcRunExitCodes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, env contractEnv) {
		for _, code := range []int{0, 1, 3, 125} {
			p := contractProc(t, env, newMark(t), "proc-exit", strconv.Itoa(code))
			err := p.Run(testCtx(t))
			if code == 0 {
				if err != nil {
					t.Fatalf("exit 0: Run = %v", err)
				}
				continue
			}
			var ee interface{ ExitCode() int }
			if !errors.As(err, &ee) || ee.ExitCode() != code {
				t.Fatalf("exit %d: Run = %v", code, err)
			}
			var xe *exec.ExitError
			if !errors.As(err, &xe) {
				t.Fatalf("exit %d: %v is not an *exec.ExitError", code, err)
			}
		}
	})
}

// Clauses 2, 3, 5: Run returns nil after our Stop, ctx.Err() after
// cancellation; Wait gives every caller the same.
func TestProcEndedByUsIsNotAnError(t *testing.T) {
	forEachBackend(t, func(t *testing.T, env contractEnv) {
		t.Run("stop", func(t *testing.T) {
			p := contractProc(t, env, newMark(t), "proc-hang")
			startReady(t, testCtx(t), p)
			errs := make(chan error, 4)
			for range 4 {
				go func() { errs <- p.Wait(testCtx(t)) }()
			}
			if err := p.Stop(testCtx(t)); err != nil {
				t.Fatal(err)
			}
			for range 4 {
				if err := <-errs; err != nil {
					t.Fatalf("Wait after Stop = %v, want nil", err)
				}
			}
		})
		t.Run("cancel", func(t *testing.T) {
			mark := newMark(t)
			p := contractProc(t, env, mark, "proc-hang")
			ctx, cancel := context.WithCancel(testCtx(t))
			done := make(chan error, 1)
			go func() { done <- p.Run(ctx) }()
			waitMarked(t, mark, 1)
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Fatalf("Run after cancel = %v, want context.Canceled", err)
			}
			if left := markedPids(mark); len(left) > 0 {
				t.Fatalf("processes left after cancelled Run returned: %v", left)
			}
		})
	})
}

// Clause 3: Wait before Start, Wait with an expiring ctx, second Start.
func TestProcWaitAndStartMisuse(t *testing.T) {
	forEachBackend(t, func(t *testing.T, env contractEnv) {
		p := contractProc(t, env, newMark(t), "proc-hang")
		if err := p.Wait(testCtx(t)); !errors.Is(err, ErrNotStarted) {
			t.Fatalf("Wait before Start = %v", err)
		}
		startReady(t, testCtx(t), p)
		if err := p.Start(testCtx(t)); !errors.Is(err, ErrAlreadyStarted) {
			t.Fatalf("second Start = %v", err)
		}
		ctx, cancel := context.WithTimeout(testCtx(t), 20*time.Millisecond)
		defer cancel()
		if err := p.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Wait with expiring ctx = %v", err)
		}
		if running, _ := p.IsRunning(testCtx(t)); !running {
			t.Fatal("process stopped by Wait's ctx")
		}
	})
}

// Clause 4: Stop reaches the whole tree — a child ignoring SIGTERM, one in
// its own session, an orphaned grandchild — waits the grace period, and
// returns only once none is left.
func TestProcStopWholeTree(t *testing.T) {
	forEachBackend(t, func(t *testing.T, env contractEnv) {
		const grace = 300 * time.Millisecond
		env.WithGracePeriod(grace)
		mark := newMark(t)
		p := contractProc(t, env, mark, "proc-tree", "ignore", "setsid", "doublefork", "sleep")
		startReady(t, testCtx(t), p)
		if n := len(markedPids(mark)); n != 5 {
			t.Fatalf("tree has %d processes, want 5", n)
		}
		start := time.Now()
		if err := p.Stop(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took < grace {
			t.Errorf("Stop took %v: SIGKILL came before the grace period of %v", took, grace)
		}
		if left := markedPids(mark); len(left) > 0 {
			t.Fatalf("Stop returned with processes left: %v", left)
		}
		if err := p.Wait(testCtx(t)); err != nil {
			t.Fatalf("Wait after Stop = %v", err)
		}
	})
}

// Clause 4: a cancelled ctx skips the rest of the grace period; Stop still
// kills and waits for the tree.
func TestProcStopCancelledSkipsGrace(t *testing.T) {
	forEachBackend(t, func(t *testing.T, env contractEnv) {
		env.WithGracePeriod(time.Hour)
		mark := newMark(t)
		p := contractProc(t, env, mark, "proc-tree", "ignore")
		startReady(t, testCtx(t), p)
		ctx, cancel := context.WithCancel(testCtx(t))
		cancel()
		if err := p.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		if left := markedPids(mark); len(left) > 0 {
			t.Fatalf("Stop returned with processes left: %v", left)
		}
	})
}

// Clause 4: Stop is idempotent and safe from many goroutines; Stop before
// Start is legal and makes Start fail with ErrStopped.
func TestProcStopConcurrentAndEarly(t *testing.T) {
	forEachBackend(t, func(t *testing.T, env contractEnv) {
		mark := newMark(t)
		p := contractProc(t, env, mark, "proc-tree", "sleep", "sleep")
		startReady(t, testCtx(t), p)
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Go(func() { errs[i] = p.Stop(testCtx(t)) })
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if left := markedPids(mark); len(left) > 0 {
			t.Fatalf("processes left: %v", left)
		}
		if err := p.Stop(testCtx(t)); err != nil {
			t.Fatalf("Stop after Stop = %v", err)
		}

		q := contractProc(t, env, mark, "proc-hang")
		if err := q.Stop(testCtx(t)); err != nil {
			t.Fatalf("Stop before Start = %v", err)
		}
		if err := q.Start(testCtx(t)); !errors.Is(err, ErrStopped) {
			t.Fatalf("Start after Stop = %v, want ErrStopped", err)
		}
	})
}

// A tree never outlives its leader: what the leader leaves behind is
// stopped before Wait returns.
func TestProcLeaderExitStopsTree(t *testing.T) {
	forEachBackend(t, func(t *testing.T, env contractEnv) {
		env.WithGracePeriod(100 * time.Millisecond)
		mark := newMark(t)
		p := contractProc(t, env, mark, "proc-fork-exit")
		if err := p.Run(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		if left := markedPids(mark); len(left) > 0 {
			t.Fatalf("orphan left after Run returned: %v", left)
		}
	})
}

// Clause 6: IsRunning is false once the process exited.
func TestProcIsRunning(t *testing.T) {
	forEachBackend(t, func(t *testing.T, env contractEnv) {
		p := contractProc(t, env, newMark(t), "proc-hang")
		if running, _ := p.IsRunning(testCtx(t)); running {
			t.Fatal("running before Start")
		}
		startReady(t, testCtx(t), p)
		if running, _ := p.IsRunning(testCtx(t)); !running {
			t.Fatal("not running after Start")
		}
		p.Stop(testCtx(t))
		if running, _ := p.IsRunning(testCtx(t)); running {
			t.Fatal("running after Stop")
		}
	})
}

// Clause 7: stdin and stdout pipes; stderr still reaches the writer.
func TestProcPipes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, env contractEnv) {
		p, err := env.NewProcess("sh", "-c", "cat; echo done >&2")
		if err != nil {
			t.Fatal(err)
		}
		in, err := p.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		out, err := p.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		defer out.Close()
		rec := &lineRecorder{}
		p.WithOutput(rec)
		if err := p.Start(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		if _, err := p.StdinPipe(); !errors.Is(err, ErrAlreadyStarted) {
			t.Fatalf("StdinPipe after Start = %v", err)
		}
		payload := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB, more than a pipe holds
		go func() { in.Write(payload); in.Close() }()
		got, err := io.ReadAll(out) // EOF after exit
		if err != nil || !bytes.Equal(got, payload) {
			t.Fatalf("stdout: %d bytes, %v; want the %d bytes of stdin", len(got), err, len(payload))
		}
		if err := p.Wait(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		if w := rec.all(); len(w) != 1 || w[0] != "done\n" {
			t.Fatalf("stderr writes %q", w)
		}
	})
}

// Clause 7: a large stdin to a child that exits without reading never
// blocks the writer forever.
func TestProcStdinToExitedChild(t *testing.T) {
	forEachBackend(t, func(t *testing.T, env contractEnv) {
		p := contractProc(t, env, newMark(t), "proc-exit", "0")
		in, err := p.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		defer in.Close()
		if err := p.Start(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		wrote := make(chan error, 1)
		go func() { _, err := in.Write(make([]byte, 10<<20)); wrote <- err }()
		select {
		case err := <-wrote:
			if err == nil {
				t.Fatal("writing 10 MiB to an exited child succeeded")
			}
		case <-time.After(30 * time.Second):
			t.Fatal("write to the stdin of an exited child blocked")
		}
		p.Wait(testCtx(t))
	})
}

// Clause 8: environment layering and appends, resolved at Start.
func TestProcEnvironment(t *testing.T) {
	forEachBackend(t, func(t *testing.T, env contractEnv) {
		t.Setenv("CORRAL_T_INHERITED", "host")
		t.Setenv("CORRAL_T_OVERRIDDEN", "host")
		p, err := env.NewProcess("sh", "-c", `printf '%s|%s|%s|%s|%s\n' "$CORRAL_T_INHERITED" "$CORRAL_T_OVERRIDDEN" "$CORRAL_T_LATE" "$CORRAL_T_APPENDED" "$PATH"`)
		if err != nil {
			t.Fatal(err)
		}
		ctx := testCtx(t)
		envVar := resources.Env("CORRAL_T_OVERRIDDEN", "env")
		env.WithEnvironmentVariables(ctx, envVar)
		p.WithEnvironmentVariables(ctx, resources.Env("CORRAL_T_OVERRIDDEN", "proc"))
		p.WithEnvironmentVariablesAppend(ctx, resources.Env("CORRAL_T_APPENDED", "a"), ":")
		p.WithEnvironmentVariablesAppend(ctx, resources.Env("CORRAL_T_APPENDED", "b"), ":")
		p.WithEnvironmentVariablesAppend(ctx, resources.Env("PATH", "/corral-extra"), ":")
		env.WithEnvironmentVariables(ctx, resources.Env("CORRAL_T_LATE", 42)) // after NewProcess
		rec := &lineRecorder{}
		p.WithOutput(rec)
		if err := p.Run(ctx); err != nil {
			t.Fatal(err)
		}
		want := "host|proc|42|a:b|" + os.Getenv("PATH") + ":/corral-extra\n"
		if w := rec.all(); len(w) != 1 || w[0] != want {
			t.Fatalf("child saw %q, want %q", w, want)
		}
		if envVar.Value != "env" || envVar.Key != "CORRAL_T_OVERRIDDEN" {
			t.Fatalf("caller's variable was modified: %+v", envVar)
		}
	})
}

// Clause 8: an invalid variable makes Start fail with an error naming it.
func TestProcInvalidVariable(t *testing.T) {
	forEachBackend(t, func(t *testing.T, env contractEnv) {
		p, err := env.NewProcess("true")
		if err != nil {
			t.Fatal(err)
		}
		p.WithEnvironmentVariables(testCtx(t), resources.Env("BAD=KEY", "v"))
		err = p.Start(testCtx(t))
		if !errors.Is(err, resources.ErrInvalidEnvironmentVariable) || !strings.Contains(err.Error(), "BAD=KEY") {
			t.Fatalf("Start = %v, want an error naming the variable", err)
		}
	})
}

// Clause 9: WithDir, and ErrBinaryNotFound.
func TestProcDirAndBinary(t *testing.T) {
	forEachBackend(t, func(t *testing.T, env contractEnv) {
		if _, err := env.NewProcess("corral-no-such-binary"); !errors.Is(err, ErrBinaryNotFound) {
			t.Fatalf("NewProcess of a missing binary = %v", err)
		}
		if _, err := env.NewProcess("./missing.sh"); !errors.Is(err, ErrBinaryNotFound) {
			t.Fatalf("NewProcess of a missing relative path = %v", err)
		}
		dir := t.TempDir()
		p, err := env.NewProcess("pwd")
		if err != nil {
			t.Fatal(err)
		}
		p.WithDir(dir)
		rec := &lineRecorder{}
		p.WithOutput(rec)
		if err := p.Run(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		if w := rec.all(); len(w) != 1 || w[0] != dir+"\n" {
			t.Fatalf("pwd printed %q, want %q", w, dir)
		}
	})
}

// Supervision: while a tree runs its record is on disk, 0600 in a 0700
// directory, without the arguments; once the tree is gone, so are the
// record and the cgroup.
func TestProcRecordLifecycle(t *testing.T) {
	forEachBackend(t, func(t *testing.T, env contractEnv) {
		mark := newMark(t)
		p := contractProc(t, env, mark, "proc-hang", "secret-argument")
		startReady(t, testCtx(t), p)
		store, err := records.Open()
		if err != nil {
			t.Fatal(err)
		}
		names, _ := store.Names()
		if len(names) != 1 {
			t.Fatalf("records %v, want one", names)
		}
		fi, _ := os.Stat(store.Dir() + "/" + names[0])
		di, _ := os.Stat(store.Dir())
		if fi.Mode().Perm() != 0o600 || di.Mode().Perm() != 0o700 {
			t.Fatalf("record mode %v in dir mode %v, want 0600 in 0700", fi.Mode(), di.Mode())
		}
		b, _ := os.ReadFile(store.Dir() + "/" + names[0])
		if bytes.Contains(b, []byte("secret-argument")) || bytes.Contains(b, []byte(mark)) {
			t.Fatalf("record holds arguments or environment: %s", b)
		}
		rec, err := store.Read(names[0])
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Stop(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		if names, _ := store.Names(); len(names) != 0 {
			t.Fatalf("records left after Stop: %v", names)
		}
		if rec.Cgroup != "" && pathExists(rec.Cgroup) {
			t.Fatalf("cgroup %s left after Stop", rec.Cgroup)
		}
	})
}

// Clauses 8 and 9: the binary is found with the PATH the process will
// have, so a PATH set on the environment after NewProcess counts.
func TestProcBinaryFoundWithFinalPath(t *testing.T) {
	forEachBackend(t, func(t *testing.T, env contractEnv) {
		dir := t.TempDir()
		script := "#!/bin/sh\necho from-override\n"
		if err := os.WriteFile(dir+"/true", []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		p, err := env.NewProcess("true")
		if err != nil {
			t.Fatal(err)
		}
		env.WithEnvironmentVariables(testCtx(t), resources.Env("PATH", dir+":"+os.Getenv("PATH")))
		rec := &lineRecorder{}
		p.WithOutput(rec)
		if err := p.Run(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		if w := rec.all(); len(w) != 1 || w[0] != "from-override\n" {
			t.Fatalf("ran the binary found with the old PATH: output %q", w)
		}
	})
}

// Clause 4: a stopped tree (Ctrl-Z, SIGSTOP) is continued after SIGTERM,
// so it can act on it within the grace period instead of being killed at
// its end.
func TestProcStopOfStoppedTree(t *testing.T) {
	forEachBackend(t, func(t *testing.T, env contractEnv) {
		const grace = 30 * time.Second
		env.WithGracePeriod(grace)
		mark := newMark(t)
		p := contractProc(t, env, mark, "proc-hang")
		startReady(t, testCtx(t), p)
		if err := p.(*NativeProc).Signal(syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := p.Stop(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took >= grace/2 {
			t.Fatalf("Stop of a stopped tree took %v: SIGTERM was not followed by SIGCONT", took)
		}
		if left := markedPids(mark); len(left) > 0 {
			t.Fatalf("processes left: %v", left)
		}
	})
}

// Clause 8: an appended variable is validated like any other.
func TestProcInvalidAppend(t *testing.T) {
	forEachBackend(t, func(t *testing.T, env contractEnv) {
		for _, bad := range []*resources.EnvironmentVariable{resources.Env("PATH=/evil", "x"), resources.Env("", "x"), resources.Env("K", "a\x00b")} {
			p, err := env.NewProcess("true")
			if err != nil {
				t.Fatal(err)
			}
			p.WithEnvironmentVariablesAppend(testCtx(t), bad, ":")
			if err := p.Start(testCtx(t)); !errors.Is(err, resources.ErrInvalidEnvironmentVariable) {
				p.Wait(testCtx(t))
				t.Fatalf("Start with append %q = %v, want an invalid-variable error", bad.Key, err)
			}
		}
	})
}
