package nixshell

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// helperEnv makes the test binary act as a helper process: "load" runs
// one cached Load and prints FOO, for the cross-process tests.
const helperEnv = "CORRAL_NIXSHELL_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "load" {
		os.Exit(helperLoad())
	}
	goleak.VerifyTestMain(m)
}

func helperLoad() int {
	t := &Tool{Path: os.Getenv("CORRAL_NIXSHELL_NIX")}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r, err := t.Load(ctx, Options{Dir: os.Getenv("CORRAL_NIXSHELL_DIR"), CacheDir: os.Getenv("CORRAL_NIXSHELL_CACHE")})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(r.Vars["FOO"])
	return 0
}

// requireNix returns the nix on PATH with flakes enabled, or skips (fails
// under CI=true, where the test command provides nix).
func requireNix(t testing.TB) *Tool {
	t.Helper()
	fail := t.Skipf
	if os.Getenv("CI") == "true" {
		fail = t.Fatalf
	}
	tool, err := Find()
	if err != nil {
		fail("no nix: %v (scripts/services/nix.sh installs it as root)", err)
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := tool.CheckFlakes(ctx); err != nil {
		fail("%v (run with NIX_CONFIG=\"$(scripts/services/nix.sh)\")", err)
		return nil
	}
	return tool
}

// fixture copies testdata/nix/<name> into a fresh directory, so a test
// may change it and nix sees a flake of its own.
func fixture(t testing.TB, name string) string {
	t.Helper()
	src := filepath.Join("..", "..", "testdata", "nix", name, "flake.nix")
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "flake.nix"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// countingNix returns a Tool whose binary is a script that logs each
// call's first argument to the returned file, then runs the real nix.
func countingNix(t testing.TB, real *Tool) (*Tool, string) {
	t.Helper()
	dir := t.TempDir()
	log := filepath.Join(dir, "calls")
	script := fmt.Sprintf("#!/bin/sh\necho \"$1\" >> %s\nexec %s \"$@\"\n", log, real.Path)
	path := filepath.Join(dir, "nix")
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return &Tool{Path: path}, log
}

// calls returns how many times the counting nix ran with first argument
// sub ("print-dev-env"), or at all when sub is "".
func calls(t testing.TB, log, sub string) int {
	t.Helper()
	b, err := os.ReadFile(log)
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if l != "" && (sub == "" || l == sub) {
			n++
		}
	}
	return n
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
