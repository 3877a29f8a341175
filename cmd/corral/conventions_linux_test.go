package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestRunCannotExecute: a file that exists but cannot be executed is 126,
// one that is not there 127, as in a shell; an executable text file
// without #! runs under /bin/sh, as execvp(3) runs it. No record is left
// either way.
func TestRunCannotExecute(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	noX := write("no-x", "#!/bin/sh\necho ran\n", 0o644)
	badInterp := write("bad-interp", "#!/nonexistent/corral-interp -x\necho ran\n", 0o755)
	noShebang := write("no-shebang", "echo \"ran $0 $*\"\nexit 3\n", 0o755)
	write("corral-test-no-x", "#!/bin/sh\necho ran\n", 0o644)
	t.Setenv("PATH", os.Getenv("PATH")+string(os.PathListSeparator)+dir)
	sub := filepath.Join(dir, "subdir")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		command    []string
		wantCode   int
		wantStdout string
		wantErr    []string // substrings of the one stderr line; none: no stderr
	}{
		{"no execute bit", []string{noX}, 126, "", []string{"cannot execute", noX, "no execute bit"}},
		{"a directory", []string{sub}, 126, "", []string{"cannot execute", sub, "is a directory"}},
		{"bad interpreter", []string{badInterp}, 126, "", []string{"cannot execute", badInterp, "bad interpreter /nonexistent/corral-interp", "no such file"}},
		{"no shebang runs under sh", []string{noShebang, "a", "b"}, 3, "ran " + noShebang + " a b\n", nil},
		{"missing path", []string{filepath.Join(dir, "nope")}, 127, "", []string{"not found", "nope"}},
		{"not in PATH", []string{"corral-test-no-such-binary"}, 127, "", []string{"corral-test-no-such-binary", "not in PATH"}},
		{"in PATH, no execute bit", []string{"corral-test-no-x"}, 126, "", []string{"cannot execute", filepath.Join(dir, "corral-test-no-x"), "no execute bit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := isolateHome(t)
			d, stdout, stderr := testDeps(t, "")
			r := runWith(t, d, stdout, stderr, append([]string{"run", "--"}, tt.command...)...)
			if r.code != tt.wantCode || r.stdout != tt.wantStdout {
				t.Errorf("exit %d, stdout %q; want %d, %q (stderr %q)", r.code, r.stdout, tt.wantCode, tt.wantStdout, r.stderr)
			}
			if tt.wantErr == nil && r.stderr != "" {
				t.Errorf("stderr %q, want nothing", r.stderr)
			}
			if tt.wantErr != nil && len(lines(r.stderr)) != 1 {
				t.Errorf("stderr %q, want one line", r.stderr)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr %q does not hold %q", r.stderr, w)
				}
			}
			if left, _ := filepath.Glob(filepath.Join(home, "runs", "*.json")); len(left) > 0 {
				t.Errorf("records left behind: %v", left)
			}
		})
	}
}

// TestBadCorralHome: a corral home that cannot be used is one line on
// stderr naming it (no warning from the reap before it), exit 1, for
// every command that uses the home.
func TestBadCorralHome(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	runsFile := t.TempDir()
	if err := os.WriteFile(filepath.Join(runsFile, "runs"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	runsLink := t.TempDir()
	if err := os.Symlink(t.TempDir(), filepath.Join(runsLink, "runs")); err != nil {
		t.Fatal(err)
	}
	// Root reads and writes where modes say no: for these two, a root
	// test runs the built corral as nobody, in directories nobody can
	// reach.
	readOnly := filepath.Join(searchableDir(t), "ro")
	if err := os.Mkdir(readOnly, 0o500); err != nil {
		t.Fatal(err)
	}
	unreadable := searchableDir(t)
	if err := os.Mkdir(filepath.Join(unreadable, "runs"), 0); err != nil {
		t.Fatal(err)
	}
	flake := searchableDir(t) // env checks for flake.nix before the home
	if err := os.WriteFile(filepath.Join(flake, "flake.nix"), []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	all := [][]string{{"run", "--", "true"}, {"reap"}, {"env", "--dir", flake}, {"ps"}}
	tests := []struct {
		name       string
		home, user string // CORRAL_HOME and HOME
		asNobody   bool   // as root, run the built corral as nobody
		commands   [][]string
		want       string
	}{
		{"home is a regular file", file, "/root", false, all, file},
		{"runs is a regular file", runsFile, "/root", false, all, filepath.Join(runsFile, "runs")},
		{"runs is a symlink", runsLink, "/root", false, all, filepath.Join(runsLink, "runs")},
		// ps only observes: a home without runs is no tree, not an error.
		{"read-only home", readOnly, "/root", true, all[:3], readOnly},
		{"unreadable runs", unreadable, "/root", true, all, filepath.Join(unreadable, "runs")},
		{"no CORRAL_HOME and no HOME", "", "", false, all, "CORRAL_HOME"},
	}
	for _, tt := range tests {
		for _, args := range tt.commands {
			t.Run(tt.name+"/"+args[0], func(t *testing.T) {
				var r result
				if tt.asNobody && os.Geteuid() == 0 {
					r = runAsNobody(t, args, "CORRAL_HOME="+tt.home, "HOME="+tt.user)
				} else {
					t.Setenv("CORRAL_HOME", tt.home)
					t.Setenv("HOME", tt.user)
					d, stdout, stderr := testDeps(t, "")
					r = runWith(t, d, stdout, stderr, args...)
				}
				if r.code != 1 || len(lines(r.stderr)) != 1 || !strings.Contains(r.stderr, tt.want) {
					t.Errorf("exit %d, stderr %q; want 1 and one line naming %s", r.code, r.stderr, tt.want)
				}
			})
		}
	}
}

// searchableDir returns a new directory that every user may enter, which
// t.TempDir's are not; it is removed at the end of the test.
func searchableDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "corral-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// runAsNobody runs the built corral with args as the user nobody
// (65534), its environment the test's plus env, at most testTimeout.
func runAsNobody(t *testing.T, args []string, env ...string) result {
	t.Helper()
	e := newE2E(t, env...)
	// The binary's directory is private to root, as MkdirTemp makes it.
	if err := os.Chmod(filepath.Dir(e.bin), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := e.command(args...)
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	return e.runCmd(cmd, "")
}
