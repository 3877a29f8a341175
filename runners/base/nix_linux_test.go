package base

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/corralrun/corral/internal/records"
	"github.com/corralrun/corral/resources"
)

func init() {
	// nix-reap-owner MODE CONTAINMENT DIR: a Nix environment over the
	// flake in DIR, materialised when MODE is "materialised", runs a
	// proc-tree with escapers, says "ready" and waits to be killed.
	helpers["nix-reap-owner"] = func(args []string) int {
		if err := runNixReapOwner(args[0], args[1], args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "nix-reap-owner:", err)
			return 1
		}
		fmt.Println("ready")
		select {}
	}
}

func runNixReapOwner(mode, containment, dir string) error {
	ctx := context.Background()
	env, err := NewNixEnvironment(ctx, dir)
	if err != nil {
		return err
	}
	if containment == string(ContainmentPgroup) {
		env.materialised.containment = Containment{Kind: ContainmentPgroup}
		env.wrapped.containment = Containment{Kind: ContainmentPgroup}
	}
	env.WithGracePeriod(100 * time.Millisecond)
	env.WithLogger(slog.New(slog.DiscardHandler))
	if mode == "materialised" {
		if err := env.Init(ctx); err != nil {
			return err
		}
	}
	p, err := env.NewProcess(os.Args[0], "ignore", "setsid", "doublefork", "sleep")
	if err != nil {
		return err
	}
	p.WithEnvironmentVariables(ctx, resources.Env(helperEnv, "proc-tree"))
	out, err := p.StdoutPipe()
	if err != nil {
		return err
	}
	if err := p.Start(ctx); err != nil {
		return err
	}
	if line, err := bufio.NewReader(out).ReadString('\n'); line != "ready\n" {
		return fmt.Errorf("tree said %q, %v", line, err)
	}
	return nil
}

// TestNixReapAfterOwnerKilled: SIGKILL the owner of a Nix process tree,
// in both modes, and Reap stops the whole tree, escapers included.
func TestNixReapAfterOwnerKilled(t *testing.T) {
	requireNix(t)
	for _, mode := range []string{"wrapped", "materialised"} {
		for _, containment := range []ContainmentKind{ContainmentCgroup, ContainmentPgroup} {
			t.Run(mode+"/"+string(containment), func(t *testing.T) {
				if containment == ContainmentCgroup && DetectContainment().Kind != ContainmentCgroup {
					requireOrSkip(t, "no writable cgroup here")
				}
				t.Setenv(records.HomeEnv, t.TempDir())
				mark := newMark(t)
				cmd := exec.Command(os.Args[0], mode, string(containment), nixFixture(t, "vars"))
				cmd.Env = append(os.Environ(), helperEnv+"=nix-reap-owner", markEnv+"="+mark, "GORACE=atexit_sleep_ms=0")
				cmd.Stderr = os.Stderr
				out, err := cmd.StdoutPipe()
				if err != nil {
					t.Fatal(err)
				}
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
				if line, err := bufio.NewReader(out).ReadString('\n'); line != "ready\n" {
					t.Fatalf("owner said %q, %v", line, err)
				}
				waitMarked(t, mark, 6) // the owner, the leader and its four children
				killOwner(t, cmd)
				report, err := Reap(testCtx(t), ReapOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if n := len(recordedOnly(report.Reaped)); n != 1 {
					t.Fatalf("Reap = %+v, want one tree reaped", report)
				}
				if left := markedPids(mark); len(left) > 0 {
					t.Fatalf("processes left after Reap: %v", left)
				}
			})
		}
	}
}

func TestNewNixEnvironmentErrors(t *testing.T) {
	requireNix(t)
	t.Run("no flake.nix", func(t *testing.T) {
		dir := t.TempDir()
		_, err := NewNixEnvironment(context.Background(), dir)
		if err == nil || !strings.Contains(err.Error(), "no flake.nix in "+dir) || strings.Contains(err.Error(), "\n") {
			t.Fatalf("err %v, want one line naming %s", err, dir)
		}
	})
	t.Run("no such directory", func(t *testing.T) {
		_, err := NewNixEnvironment(context.Background(), "/no/such/dir")
		if err == nil || !strings.Contains(err.Error(), "/no/such/dir") {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("nix missing", func(t *testing.T) {
		dir := nixFixture(t, "vars")
		t.Setenv("PATH", t.TempDir())
		_, err := NewNixEnvironment(context.Background(), dir)
		if err == nil || !strings.Contains(err.Error(), NixInstallCommand()) {
			t.Fatalf("err %v, want the install command", err)
		}
	})
	t.Run("flakes disabled", func(t *testing.T) {
		env := newTestNix(t, "vars")
		t.Setenv("NIX_CONFIG", "experimental-features = \nsubstituters =\nbuild-users-group =\nsandbox = false")
		err := env.Init(testCtx(t))
		if err == nil || !strings.Contains(err.Error(), "experimental-features = nix-command flakes") {
			t.Fatalf("Init: %v, want the setting to add", err)
		}
		p, err := env.NewProcess("true")
		if err != nil {
			t.Fatal(err)
		}
		err = p.Run(testCtx(t))
		if err == nil || !strings.Contains(err.Error(), "experimental-features = nix-command flakes") || strings.Contains(err.Error(), "\n") {
			t.Fatalf("wrapped Run: %v, want one line naming the setting", err)
		}
	})
}

// TestNixInitFailingFlake: Init of a flake that does not evaluate or
// build fails with nix's own text, and nothing is materialised.
func TestNixInitFailingFlake(t *testing.T) {
	for _, tt := range []struct{ fixture, want string }{
		{"syntax", "syntax error"},
		{"failbuild", "corral-fixture-builder-failed"},
	} {
		t.Run(tt.fixture, func(t *testing.T) {
			env := newTestNix(t, tt.fixture)
			env.WithCacheDir(filepath.Join(t.TempDir(), "cache"))
			err := env.Init(testCtx(t))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Init: %v, want nix's %q", err, tt.want)
			}
			if m := env.Materialized(); m != nil {
				t.Fatalf("Materialized after a failed Init: %v", m)
			}
		})
	}
}

// countingNixOnPath puts a nix first in PATH that logs each call, then
// runs the real one; it returns the log.
func countingNixOnPath(t *testing.T) string {
	t.Helper()
	real, err := exec.LookPath("nix")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	log := filepath.Join(dir, "calls")
	script := fmt.Sprintf("#!/bin/sh\necho \"$1\" >> %s\nexec %s \"$@\"\n", log, real)
	if err := os.WriteFile(filepath.Join(dir, "nix"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+":"+os.Getenv("PATH"))
	return log
}

func nixCalls(t *testing.T, log string) int {
	b, err := os.ReadFile(log)
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), "\n")
}

// TestNixMaterialisedFromCacheRunsNoNix: a second environment over the
// same flake and cache directory initialises and runs a process without
// running nix once, and the process sees the flake's variables and its
// exit code passes through.
func TestNixMaterialisedFromCacheRunsNoNix(t *testing.T) {
	requireNix(t)
	log := countingNixOnPath(t)
	t.Setenv(records.HomeEnv, t.TempDir())
	dir, cache := nixFixture(t, "vars"), filepath.Join(t.TempDir(), "cache")
	for i, wantHit := range []bool{false, true} {
		env, err := NewNixEnvironment(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		env.WithCacheDir(cache)
		before := nixCalls(t, log)
		if err := env.Init(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		if env.CacheHit() != wantHit {
			t.Fatalf("Init %d: hit=%v, want %v", i, env.CacheHit(), wantHit)
		}
		p, err := env.NewProcess("sh", "-c", `echo "$FOO|$BAR|$HOME"; exit 7`)
		if err != nil {
			t.Fatal(err)
		}
		rec := &lineRecorder{}
		p.WithOutput(rec)
		err = p.Run(testCtx(t))
		var ee interface{ ExitCode() int }
		if !errors.As(err, &ee) || ee.ExitCode() != 7 {
			t.Fatalf("Run: %v, want exit code 7", err)
		}
		if w := rec.all(); len(w) != 1 || w[0] != "from-the-flake|two words|"+os.Getenv("HOME")+"\n" {
			t.Fatalf("output %q", w)
		}
		if wantHit && nixCalls(t, log) != before {
			t.Fatalf("a cache hit ran nix %d times", nixCalls(t, log)-before)
		}
		env.Shutdown(context.Background())
	}
}

func TestNixMaterializedIsACopy(t *testing.T) {
	env := newTestNix(t, "vars")
	if m := env.Materialized(); m != nil {
		t.Fatalf("Materialized before Init: %v", m)
	}
	if err := env.Init(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	m := env.Materialized()
	if m["FOO"] != "from-the-flake" || m["HOME"] != os.Getenv("HOME") || !strings.HasPrefix(m["PATH"], "/usr/local/bin:/usr/bin:/bin:") {
		t.Fatalf("Materialized = %v", m)
	}
	for _, k := range []string{"TMPDIR", "NIX_BUILD_TOP", "out", "PWD"} {
		if v, ok := m[k]; ok && (k != "TMPDIR" || v != os.Getenv("TMPDIR")) {
			t.Errorf("build-only %s=%q kept", k, v)
		}
	}
	m["FOO"] = "changed"
	if env.Materialized()["FOO"] != "from-the-flake" {
		t.Fatal("changing the returned map changed the environment")
	}
}

// TestNixWrappedLeavesNoTempDirs: nix develop's nix-shell.* directories
// go with our own TMPDIR, whether the caller waits or not.
func TestNixWrappedLeavesNoTempDirs(t *testing.T) {
	env := newTestNix(t, "vars")
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	p, err := env.NewProcess("sh", "-c", `echo "$TMPDIR"`)
	if err != nil {
		t.Fatal(err)
	}
	rec := &lineRecorder{}
	p.WithOutput(rec)
	if err := p.Run(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if w := rec.all(); len(w) != 1 || !strings.HasPrefix(w[0], tmp+"/corral-nix-") {
		t.Fatalf("the program saw TMPDIR %q, want one inside our own under %s", w, tmp)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Fatalf("left in TMPDIR after Run: %v", left)
	}
	p, err = env.NewProcess("true")
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for left, _ := os.ReadDir(tmp); len(left) != 0; left, _ = os.ReadDir(tmp) {
		if time.Now().After(deadline) {
			t.Fatalf("left in TMPDIR 10s after an unwaited process ended: %v", left)
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.Wait(testCtx(t))
}

// TestNixBinaryLookup: a binary only in the shell's PATH is found in both
// modes; a binary nowhere is ErrBinaryNotFound in both.
func TestNixBinaryLookup(t *testing.T) {
	requireNix(t)
	t.Setenv(records.HomeEnv, t.TempDir())
	dir := nixFixture(t, "vars")
	shellBin := t.TempDir()
	os.WriteFile(filepath.Join(shellBin, "only-in-the-shell"), []byte("#!/bin/sh\necho shell tool\n"), 0o755)
	flake, _ := os.ReadFile(filepath.Join(dir, "flake.nix"))
	os.WriteFile(filepath.Join(dir, "flake.nix"), []byte(strings.Replace(string(flake), `PATH = "`, `PATH = "`+shellBin+":", 1)), 0o644)
	for _, mode := range []string{"wrapped", "materialised"} {
		t.Run(mode, func(t *testing.T) {
			env, err := NewNixEnvironment(context.Background(), dir)
			if err != nil {
				t.Fatal(err)
			}
			defer env.Shutdown(context.Background())
			if mode == "materialised" {
				if err := env.Init(testCtx(t)); err != nil {
					t.Fatal(err)
				}
			}
			if err := env.WithBinary("only-in-the-shell"); err != nil {
				t.Fatal(err)
			}
			p, err := env.NewProcess("only-in-the-shell")
			if err != nil {
				t.Fatal(err)
			}
			rec := &lineRecorder{}
			p.WithOutput(rec)
			if err := p.Run(testCtx(t)); err != nil {
				t.Fatal(err)
			}
			if w := rec.all(); len(w) != 1 || w[0] != "shell tool\n" {
				t.Fatalf("output %q", w)
			}
			if _, err := env.NewProcess("corral-no-such-binary"); !errors.Is(err, ErrBinaryNotFound) {
				t.Fatalf("NewProcess of a missing binary: %v, want ErrBinaryNotFound", err)
			}
		})
	}
}

// TestNixShutdownRemovesTemporaryGCRoot: without a cache directory the GC
// root is temporary and Shutdown removes it.
func TestNixShutdownRemovesTemporaryGCRoot(t *testing.T) {
	env := newTestNix(t, "vars")
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	if err := env.Init(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	roots, _ := filepath.Glob(filepath.Join(tmp, "corral-nix-*", "shell"))
	if len(roots) != 1 {
		t.Fatalf("GC roots %v, want one while in use", roots)
	}
	if err := env.Shutdown(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Fatalf("left after Shutdown: %v", left)
	}
}
