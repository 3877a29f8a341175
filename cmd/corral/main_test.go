package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// builtDir holds the corral binary the end-to-end tests build; TestMain
// removes it.
var builtDir string

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		if builtDir != "" {
			os.RemoveAll(builtDir)
		}
		os.Exit(code)
	}))
}

// testTimeout bounds every command a test runs.
const testTimeout = 60 * time.Second

// lockedBuffer is a bytes.Buffer safe for the concurrent writers of a
// run: the command's output copier and corral's logger.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// result is what one corral invocation produced.
type result struct {
	stdout, stderr string
	code           int
}

// isolateHome points CORRAL_HOME at a fresh directory for the test.
func isolateHome(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("CORRAL_HOME", home)
	return home
}

// testDeps returns real deps writing to buffers, with stdin holding
// input (nil stdin, /dev/null for the command, when input is "").
func testDeps(t *testing.T, input string) (*deps, *lockedBuffer, *lockedBuffer) {
	t.Helper()
	var stdout, stderr lockedBuffer
	d := defaultDeps()
	d.stdin = nil
	d.docker = noDocker()
	d.stdout, d.stderr = &stdout, &stderr
	if input != "" {
		p := filepath.Join(t.TempDir(), "stdin")
		if err := os.WriteFile(p, []byte(input), 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		d.stdin = f
	}
	return d, &stdout, &stderr
}

// runWith runs corral in process with d and args.
func runWith(t *testing.T, d *deps, stdout, stderr *lockedBuffer, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	code := runMain(ctx, d, args)
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// runCLI runs corral in process with real deps, CORRAL_HOME isolated.
func runCLI(t *testing.T, input string, args ...string) result {
	t.Helper()
	isolateHome(t)
	d, stdout, stderr := testDeps(t, input)
	return runWith(t, d, stdout, stderr, args...)
}

// checkGolden compares got with testdata/name, or rewrites it under
// -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test -update rewrites it)\n--- got\n%s--- want\n%s", path, got, want)
	}
}

// lines splits s into its lines, without the final newline.
func lines(s string) []string {
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}
