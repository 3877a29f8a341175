package base

// What the Proc contract leaves to each backend, tested for Native: its
// records, the binary found with the final PATH, a stopped tree, the
// *exec.ExitError, the host's environment. The contract itself, common to
// every backend, runs from internal/proctest (proc_contract_test.go).

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/corralrun/corral/internal/records"
	"github.com/corralrun/corral/resources"
)

// contractEnv is what these tests need of a Native configuration.
type contractEnv interface {
	RunnerEnvironment
	WithGracePeriod(time.Duration)
}

// backends are the Native configurations the tests below run over. Each
// returns an environment rooted at a temporary directory, with
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

// Clause 2: a non-zero exit is also an *exec.ExitError for errors.As.
func TestProcExitErrorUnwrapsExecExitError(t *testing.T) {
	p, err := newTestNative(t).NewProcess("sh", "-c", "exit 3")
	if err != nil {
		t.Fatal(err)
	}
	err = p.Run(testCtx(t))
	var xe *exec.ExitError
	if !errors.As(err, &xe) || xe.ExitCode() != 3 {
		t.Fatalf("Run = %v, want an error wrapping an *exec.ExitError with exit code 3", err)
	}
}

// Clause 8: a native process inherits the host's environment, under the
// environment's variables; an append to PATH keeps the host's PATH.
func TestProcInheritsHostEnvironment(t *testing.T) {
	t.Setenv("CORRAL_T_INHERITED", "host")
	t.Setenv("CORRAL_T_OVERRIDDEN", "host")
	env := newTestNative(t)
	ctx := testCtx(t)
	p, err := env.NewProcess("sh", "-c", `printf '%s|%s|%s\n' "$CORRAL_T_INHERITED" "$CORRAL_T_OVERRIDDEN" "$PATH"`)
	if err != nil {
		t.Fatal(err)
	}
	env.WithEnvironmentVariables(ctx, resources.Env("CORRAL_T_OVERRIDDEN", "env"))
	p.WithEnvironmentVariablesAppend(ctx, resources.Env("PATH", "/corral-extra"), ":")
	rec := &lineRecorder{}
	p.WithOutput(rec)
	if err := p.Run(ctx); err != nil {
		t.Fatal(err)
	}
	want := "host|env|" + os.Getenv("PATH") + ":/corral-extra\n"
	if w := rec.all(); len(w) != 1 || w[0] != want {
		t.Fatalf("child saw %q, want %q", w, want)
	}
}

// A line past the environment's cap arrives in cap-sized Writes, whole.
func TestNativeMaxLineLength(t *testing.T) {
	env := newTestNative(t)
	env.WithMaxLineLength(100 << 10)
	p, err := env.NewProcess("sh", "-c", "head -c 250000 /dev/zero | tr '\\0' x; echo")
	if err != nil {
		t.Fatal(err)
	}
	rec := &lineRecorder{}
	p.WithOutput(rec)
	if err := p.Run(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	got := rec.all()
	if len(got) != 3 || len(got[0]) != 100<<10 || len(got[1]) != 100<<10 || len(got[2]) != 250000-200<<10+1 {
		t.Fatalf("%d writes, want 3 of 100 KiB, 100 KiB and the rest", len(got))
	}
}

// A working directory the process cannot use fails Start naming the
// directory, not the binary.
func TestNativeStartNamesBadDir(t *testing.T) {
	env := newTestNative(t)
	missing := filepath.Join(t.TempDir(), "gone")
	p, err := env.NewProcess("true")
	if err != nil {
		t.Fatal(err)
	}
	p.WithDir(missing)
	err = p.Start(testCtx(t))
	if err == nil || !strings.Contains(err.Error(), "directory "+missing) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Start in a missing dir: %v, want an error naming %s", err, missing)
	}
}

// WithStopSignal chooses what Stop sends first.
func TestNativeStopSignal(t *testing.T) {
	for _, kind := range []ContainmentKind{ContainmentCgroup, ContainmentPgroup} {
		t.Run(string(kind), func(t *testing.T) {
			if kind == ContainmentCgroup && probeContainment().Kind != ContainmentCgroup {
				requireOrSkip(t, "no writable cgroup here")
			}
			env := newTestNative(t)
			env.containment = Containment{Kind: kind, Where: probeContainment().Where}
			env.WithStopSignal(syscall.SIGINT)
			env.WithGracePeriod(time.Minute)
			p, err := env.NewProcess("sh", "-c", "trap 'echo got INT; exit 0' INT; trap 'echo got TERM; exit 0' TERM; echo ready; while :; do sleep 0.05; done")
			if err != nil {
				t.Fatal(err)
			}
			rec := &lineRecorder{}
			ready := newBenchLineSignal("ready")
			p.WithOutput(io.MultiWriter(rec, ready))
			ctx := testCtx(t)
			if err := p.Start(ctx); err != nil {
				t.Fatal(err)
			}
			<-ready.seen
			if err := p.Stop(ctx); err != nil {
				t.Fatal(err)
			}
			if got := rec.all(); !slices.Contains(got, "got INT\n") || slices.Contains(got, "got TERM\n") {
				t.Fatalf("output %q, want the tree to get SIGINT, not SIGTERM", got)
			}
		})
	}
}

// A root tree's descendant that drops privileges and leaves the group is
// still the tree's: stopped when the leader exits (issue 11, item 2).
func TestNativeRootTreeKeepsUnprivilegedDescendant(t *testing.T) {
	if os.Getuid() != 0 {
		requireOrSkip(t, "needs root")
	}
	if _, err := exec.LookPath("setpriv"); err != nil {
		requireOrSkip(t, "no setpriv")
	}
	env := newTestNative(t)
	env.containment = Containment{Kind: ContainmentPgroup}
	env.WithGracePeriod(time.Second)
	mark := newMark(t)
	p, err := env.NewProcess("sh", "-c", "setpriv --reuid 65534 --regid 65534 --clear-groups setsid sleep 1000 & sleep 0.3")
	if err != nil {
		t.Fatal(err)
	}
	p.WithEnvironmentVariables(context.Background(), resources.Env(markEnv, mark))
	if err := p.Run(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if left := waitMarkedGone(mark, 5*time.Second); len(left) > 0 {
		t.Fatalf("the unprivileged descendant survived its tree: %v", left)
	}
}
