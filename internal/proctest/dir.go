package proctest

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/corralrun/corral/runners/base"
)

// Clause 9: the directory and the binary.
var dirTests = []test{
	{"Dir/Default", 9, testDirDefault},
	{"Dir/WithDir", 9, testWithDir},
	{"Dir/BinaryNotFound", 9, testBinaryNotFound},
}

// A process runs in the environment's directory.
func testDirDefault(t *testing.T, f *fixture) {
	requireDir(t, f.runLine(f.sh(`pwd`)), f.dir)
}

// WithDir on a proc overrides the environment's directory.
func testWithDir(t *testing.T, f *fixture) {
	sub := filepath.Join(f.dir, "sub dir")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	p := f.sh(`pwd`)
	p.WithDir(sub)
	requireDir(t, f.runLine(p), sub)
}

// requireDir fails t unless pwd printed dir (or dir with its symbolic
// links resolved).
func requireDir(t *testing.T, line, dir string) {
	t.Helper()
	if line == dir+"\n" {
		return
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil && line == real+"\n" {
		return
	}
	t.Fatalf("pwd printed %q, want %q", line, dir)
}

// NewProcess fails with ErrBinaryNotFound for a binary that is not where
// the process would run: not in PATH, or not at a relative path.
func testBinaryNotFound(t *testing.T, f *fixture) {
	for _, bin := range []string{"corral-no-such-binary", "./missing.sh"} {
		if _, err := f.env.NewProcess(bin); !errors.Is(err, base.ErrBinaryNotFound) {
			t.Errorf("NewProcess(%q) = %v, want ErrBinaryNotFound", bin, err)
		}
	}
}
