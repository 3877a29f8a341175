package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corralrun/corral/runners/base"
)

func TestRunExitCodes(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"success", []string{"run", "--", "true"}, 0},
		{"exit status", []string{"run", "--", "sh", "-c", "exit 7"}, 7},
		{"without --", []string{"run", "sh", "-c", "exit 3"}, 3},
		{"death by signal", []string{"run", "--", "sh", "-c", "kill -KILL $$"}, 137},
		{"zero grace", []string{"run", "--grace", "0s", "--", "sh", "-c", "exit 4"}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, "", tt.args...)
			if r.code != tt.want {
				t.Errorf("exit code %d, want %d (stderr %q)", r.code, tt.want, r.stderr)
			}
			if r.stderr != "" {
				t.Errorf("stderr %q, want nothing: the command's status is reported by the code alone", r.stderr)
			}
		})
	}
}

func TestRunEnvironmentVariable(t *testing.T) {
	r := runCLI(t, "", "run", "-e", "FOO=bar", "-e", "EMPTY=", "-e", "EQ=a=b", "--", "sh", "-c", `echo "$FOO|$EMPTY|$EQ"`)
	if r.code != 0 || r.stdout != "bar||a=b\n" {
		t.Errorf("code %d, stdout %q, stderr %q; want bar||a=b", r.code, r.stdout, r.stderr)
	}
}

func TestRunDir(t *testing.T) {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, "", "run", "--dir", dir, "--", "pwd")
	if r.code != 0 || r.stdout != dir+"\n" {
		t.Errorf("code %d, stdout %q, stderr %q; want %q", r.code, r.stdout, r.stderr, dir)
	}
}

func TestRunDirMissing(t *testing.T) {
	r := runCLI(t, "", "run", "--dir", filepath.Join(t.TempDir(), "nope"), "--", "true")
	if r.code != 2 || len(lines(r.stderr)) != 1 || !strings.Contains(r.stderr, "nope") {
		t.Errorf("got %+v, want exit 2 (bad usage) and one line naming the directory", r)
	}
}

func TestRunStdin(t *testing.T) {
	r := runCLI(t, "line one\nline two\n", "run", "--", "cat")
	if r.code != 0 || r.stdout != "line one\nline two\n" {
		t.Errorf("code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestRunSeparatesStdoutAndStderr(t *testing.T) {
	r := runCLI(t, "", "run", "--", "sh", "-c", "echo out; echo err >&2; echo out2")
	if r.code != 0 || r.stdout != "out\nout2\n" || r.stderr != "err\n" {
		t.Errorf("got %+v", r)
	}
}

func TestRunToFiles(t *testing.T) {
	isolateHome(t)
	d, _, _ := testDeps(t, "")
	dir := t.TempDir()
	out, err := os.Create(filepath.Join(dir, "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	var stderr lockedBuffer
	d.stdout, d.stderr = out, &stderr
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if code := runMain(ctx, d, []string{"run", "--", "sh", "-c", "echo to-file"}); code != 0 {
		t.Fatalf("exit code %d, stderr %q", code, stderr.String())
	}
	b, err := os.ReadFile(out.Name())
	if err != nil || string(b) != "to-file\n" {
		t.Errorf("file holds %q (%v), want to-file", b, err)
	}
}

func TestRunCommandNotFound(t *testing.T) {
	r := runCLI(t, "", "run", "--", "corral-test-no-such-binary")
	if r.code != exitNotFound || len(lines(r.stderr)) != 1 || !strings.Contains(r.stderr, "corral-test-no-such-binary") {
		t.Errorf("got %+v, want exit 127 and one line naming the binary", r)
	}
}

func TestRunReapsFirst(t *testing.T) {
	isolateHome(t)
	d, stdout, stderr := testDeps(t, "")
	var calls int
	d.reap = func(_ context.Context, opts base.ReapOptions) (*base.ReapReport, error) {
		calls++
		if opts.Logger == nil {
			t.Error("reap got no logger")
		}
		return nil, errors.New("records unreadable")
	}
	r := runWith(t, d, stdout, stderr, "run", "--", "true")
	if calls != 1 {
		t.Errorf("reap called %d times, want 1", calls)
	}
	// A failed reap is a warning, not the run's failure.
	if r.code != 0 || !strings.Contains(r.stderr, "level=WARN") || !strings.Contains(r.stderr, "records unreadable") {
		t.Errorf("got %+v, want exit 0 and a warning", r)
	}
}

func TestRunLogLevel(t *testing.T) {
	r := runCLI(t, "", "--log-level", "debug", "run", "--", "true")
	if r.code != 0 || !strings.Contains(r.stderr, "level=DEBUG") {
		t.Errorf("got %+v, want debug logs on stderr", r)
	}
	r = runCLI(t, "", "run", "--", "true")
	if r.stderr != "" {
		t.Errorf("default level logged %q", r.stderr)
	}
}
