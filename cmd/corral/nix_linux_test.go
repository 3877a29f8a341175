package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/corralrun/corral/runners/base"
)

// requireNix skips (fails under CI=true) unless nix with flakes is here.
func requireNix(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if p := base.ProbeNix(ctx); !p.Usable() {
		reason := fmt.Sprintf("nix not usable here (path %q, version error %v, flakes %v); scripts/services/nix.sh installs it as root and prints the NIX_CONFIG to run with", p.Path, p.VersionErr, p.FlakesErr)
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and cannot run: %s", reason)
		}
		t.Skip(reason)
	}
}

// nixFixture copies testdata/nix/<name>/flake.nix (at the module root)
// into a fresh directory.
func nixFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "nix", name, "flake.nix"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "flake.nix"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// countNix puts first in PATH a nix that logs each call before running
// the real one, and returns a function counting the calls so far.
func countNix(t *testing.T) func() int {
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
	return func() int {
		b, err := os.ReadFile(log)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		return strings.Count(string(b), "\n")
	}
}

// TestRunNixBackend: `corral run --backend nix` runs the command in the
// flake's shell, passes its exit code, and its second run runs no nix.
func TestRunNixBackend(t *testing.T) {
	requireNix(t)
	calls := countNix(t)
	home := isolateHome(t)
	dir := nixFixture(t, "vars")
	d, stdout, stderr := testDeps(t, "")
	r := runWith(t, d, stdout, stderr, "run", "--backend", "nix", "--dir", dir, "--", "sh", "-c", "echo $FOO")
	if r.code != 0 || r.stdout != "from-the-flake\n" {
		t.Fatalf("first run: %+v, want FOO's value", r)
	}
	if calls() == 0 {
		t.Fatal("the first run did not run nix: what did it materialise?")
	}
	if m, _ := filepath.Glob(filepath.Join(home, "nix", "*.json")); len(m) != 1 {
		t.Fatalf("cache entries under CORRAL_HOME/nix: %v, want one", m)
	}
	before := calls()
	d, stdout, stderr = testDeps(t, "")
	r = runWith(t, d, stdout, stderr, "run", "--backend", "nix", "--dir", dir, "-e", "EXTRA=x", "--", "sh", "-c", `echo "$FOO|$BAR|$EXTRA"; exit 3`)
	if r.code != 3 || r.stdout != "from-the-flake|two words|x\n" {
		t.Fatalf("second run: %+v, want exit 3 and the flake's values", r)
	}
	if n := calls() - before; n != 0 {
		t.Fatalf("the second run ran nix %d times", n)
	}
	d, stdout, stderr = testDeps(t, "")
	r = runWith(t, d, stdout, stderr, "run", "--backend", "nix", "--dir", dir, "--", "corral-no-such-command")
	if r.code != 127 {
		t.Fatalf("missing command: %+v, want exit 127", r)
	}
}

func TestRunNixFailingFlake(t *testing.T) {
	requireNix(t)
	isolateHome(t)
	d, stdout, stderr := testDeps(t, "")
	r := runWith(t, d, stdout, stderr, "run", "--backend", "nix", "--dir", nixFixture(t, "syntax"), "--", "true")
	if r.code != 1 || len(lines(r.stderr)) != 1 || !strings.Contains(r.stderr, "syntax error") {
		t.Fatalf("got %+v, want exit 1 and one line with nix's message", r)
	}
}

func TestEnvNix(t *testing.T) {
	requireNix(t)
	isolateHome(t)
	dir := nixFixture(t, "vars")
	d, stdout, stderr := testDeps(t, "")
	r := runWith(t, d, stdout, stderr, "env", "--dir", dir)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("env: %+v", r)
	}
	ls := lines(r.stdout)
	for i := 1; i < len(ls); i++ {
		if ls[i-1] > ls[i] {
			t.Fatalf("lines not sorted: %q before %q", ls[i-1], ls[i])
		}
	}
	for _, want := range []string{"FOO=from-the-flake", "BAR=two words", "HOME=" + os.Getenv("HOME")} {
		if !strings.Contains(r.stdout, want+"\n") {
			t.Errorf("env lacks %q:\n%s", want, r.stdout)
		}
	}
	d, stdout, stderr = testDeps(t, "")
	r = runWith(t, d, stdout, stderr, "env", "--dir", dir, "--json")
	var vars map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &vars); err != nil || r.code != 0 {
		t.Fatalf("env --json: %+v, %v", r, err)
	}
	if vars["FOO"] != "from-the-flake" || !strings.HasPrefix(vars["PATH"], "/usr/local/bin:/usr/bin:/bin") {
		t.Fatalf("env --json: %v", vars)
	}
	if _, ok := vars["NIX_BUILD_TOP"]; ok {
		t.Fatalf("build-only variable kept: %v", vars)
	}
}

func TestStatusLine(t *testing.T) {
	t.Run("quick: nothing said", func(t *testing.T) {
		var buf lockedBuffer
		stop := startStatus(&buf, "working", time.Hour)
		stop()
		if buf.String() != "" {
			t.Fatalf("said %q", buf.String())
		}
	})
	t.Run("slow, not a terminal: one plain line", func(t *testing.T) {
		var buf lockedBuffer
		stop := startStatus(&buf, "working", 0)
		eventually(t, 5*time.Second, "the status line", func() bool { return buf.String() != "" })
		stop()
		if buf.String() != "working…\n" {
			t.Fatalf("said %q", buf.String())
		}
	})
}

// TestStatusSpinnerOnTerminal: on a terminal the status is a spinner on
// one line, erased when the work is done.
func TestStatusSpinnerOnTerminal(t *testing.T) {
	master, slave := openPTY(t)
	var sc screen
	go sc.read(master) // ends when the test closes master
	stop := startStatus(slave, "working", 0)
	eventually(t, 5*time.Second, "two spinner frames", func() bool {
		sc.mu.Lock()
		defer sc.mu.Unlock()
		return strings.Count(sc.buf.String(), "working…") >= 2
	})
	stop()
	eventually(t, 5*time.Second, "the status line erased", func() bool {
		sc.mu.Lock()
		defer sc.mu.Unlock()
		return strings.HasSuffix(sc.buf.String(), "\r\033[K")
	})
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if strings.Contains(sc.buf.String(), "\n") {
		t.Fatalf("the spinner wrote a newline: %q", sc.buf.String())
	}
}

// TestE2ENixKillThenReap: kill -9 of `corral run --backend nix` leaves
// its tree to the next corral, whose reap stops it.
func TestE2ENixKillThenReap(t *testing.T) {
	requireNix(t)
	dir := nixFixture(t, "vars")
	containments(t, func(t *testing.T, env []string) {
		e := newE2E(t, env...)
		marker := newMarker(t)
		killMarked(t, marker)
		cmd, stderr := e.start("run", "--backend", "nix", "--dir", dir, "-e", markerEnv+"="+marker, "--", "sh", "-c", `[ "$FOO" = from-the-flake ] && { sleep 300 & sleep 300 & wait; }`)
		eventually(t, 30*time.Second, "the tree did not start: "+stderr(), func() bool { return len(markedProcs(marker)) >= 3 })
		killGuardianOf(t, cmd.Process.Pid) // or it stops the orphaned tree before the reap
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		e.wait(cmd, 5*time.Second)
		if r := e.run("", "reap"); r.code != 0 || !strings.Contains(r.stdout, "reaped ") {
			t.Fatalf("reap: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
		}
		eventually(t, 5*time.Second, "the orphaned tree was not reaped", func() bool { return len(markedProcs(marker)) == 0 })
	})
}
