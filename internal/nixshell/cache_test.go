package nixshell

import (
	"bytes"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func load(t *testing.T, tool *Tool, dir, cache string, logger *slog.Logger) *Result {
	t.Helper()
	r, err := tool.Load(ctxT(t), Options{Dir: dir, CacheDir: cache, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Release() })
	return r
}

func TestCacheHitRunsNoNix(t *testing.T) {
	tool, log := countingNix(t, requireNix(t))
	dir, cache := fixture(t, "vars"), filepath.Join(t.TempDir(), "cache")
	first := load(t, tool, dir, cache, quietLogger())
	if first.Hit || first.Vars["FOO"] != "from-the-flake" {
		t.Fatalf("first load: hit=%v FOO=%q", first.Hit, first.Vars["FOO"])
	}
	before := calls(t, log, "")
	second := load(t, tool, dir, cache, quietLogger())
	if !second.Hit || second.Vars["FOO"] != "from-the-flake" || second.Version == "" {
		t.Fatalf("second load: hit=%v FOO=%q version=%q", second.Hit, second.Vars["FOO"], second.Version)
	}
	if n := calls(t, log, ""); n != before {
		t.Fatalf("a cache hit ran nix %d times", n-before)
	}
	for _, p := range []string{cache, filepath.Join(cache, entryName(t, cache))} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		want := os.FileMode(0o600)
		if fi.IsDir() {
			want = 0o700
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s mode %v, want %v", p, fi.Mode().Perm(), want)
		}
	}
}

// entryName returns the one entry file in cache.
func entryName(t *testing.T, cache string) string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(cache, "*.json"))
	if len(m) != 1 {
		t.Fatalf("entries %v, want one", m)
	}
	return filepath.Base(m[0])
}

func TestCacheMisses(t *testing.T) {
	real := requireNix(t)
	tests := []struct {
		name   string
		change func(t *testing.T, dir, cache string)
		foo    string
	}{
		{"flake.nix changed", func(t *testing.T, dir, _ string) {
			rewrite(t, filepath.Join(dir, "flake.nix"), "from-the-flake", "changed")
		}, "changed"},
		{"flake.lock appeared", func(t *testing.T, dir, _ string) {
			os.WriteFile(filepath.Join(dir, "flake.lock"), []byte(`{"nodes":{"root":{}},"root":"root","version":7}`), 0o644)
		}, "from-the-flake"},
		{"GC root gone", func(t *testing.T, _, cache string) {
			links, _ := filepath.Glob(filepath.Join(cache, "*.profile*"))
			for _, l := range links {
				os.Remove(l)
			}
		}, "from-the-flake"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tool, log := countingNix(t, real)
			dir, cache := fixture(t, "vars"), filepath.Join(t.TempDir(), "cache")
			load(t, tool, dir, cache, quietLogger())
			tt.change(t, dir, cache)
			r := load(t, tool, dir, cache, quietLogger())
			if r.Hit || r.Vars["FOO"] != tt.foo {
				t.Fatalf("after change: hit=%v FOO=%q, want a miss with %q", r.Hit, r.Vars["FOO"], tt.foo)
			}
			if n := calls(t, log, "print-dev-env"); n != 2 {
				t.Fatalf("print-dev-env ran %d times, want 2", n)
			}
			if r := load(t, tool, dir, cache, quietLogger()); !r.Hit {
				t.Fatal("the rebuilt entry is not a hit")
			}
		})
	}
}

func rewrite(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, bytes.ReplaceAll(b, []byte(old), []byte(new)), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCacheDamagedEntrySetAside(t *testing.T) {
	real := requireNix(t)
	tests := []struct {
		name   string
		damage func(t *testing.T, path string)
	}{
		{"garbage", func(t *testing.T, p string) { os.WriteFile(p, []byte("not json"), 0o600) }},
		{"truncated", func(t *testing.T, p string) {
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)/2], 0o600)
		}},
		{"foreign schema", func(t *testing.T, p string) {
			b, _ := os.ReadFile(p)
			os.WriteFile(p, bytes.Replace(b, []byte(Schema), []byte("someone.else.v9"), 1), 0o600)
		}},
		{"another flake", func(t *testing.T, p string) {
			b, _ := os.ReadFile(p)
			os.WriteFile(p, bytes.Replace(b, []byte(`"flake":"`), []byte(`"flake":"/elsewhere`), 1), 0o600)
		}},
		{"symlink", func(t *testing.T, p string) {
			target := p + ".target"
			os.Rename(p, target)
			os.Symlink(target, p)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, cache := fixture(t, "vars"), filepath.Join(t.TempDir(), "cache")
			load(t, real, dir, cache, quietLogger())
			tt.damage(t, filepath.Join(cache, entryName(t, cache)))
			var logs bytes.Buffer
			var mu sync.Mutex
			logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, nil))
			r := load(t, real, dir, cache, logger)
			if r.Hit || r.Vars["FOO"] != "from-the-flake" {
				t.Fatalf("hit=%v FOO=%q, want a rebuilt entry", r.Hit, r.Vars["FOO"])
			}
			if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "set aside") {
				t.Fatalf("no warning logged: %s", logs.String())
			}
			aside, _ := os.ReadDir(filepath.Join(cache, ".setaside"))
			if len(aside) != 1 {
				t.Fatalf("set aside: %v, want one file", aside)
			}
			if r := load(t, real, dir, cache, quietLogger()); !r.Hit {
				t.Fatal("the rebuilt entry is not a hit")
			}
		})
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// TestCacheConcurrentProcesses starts several processes that Load one
// flake into one empty cache at once: nix materialises it once, and all
// of them get the whole shell.
func TestCacheConcurrentProcesses(t *testing.T) {
	tool, log := countingNix(t, requireNix(t))
	dir, cache := fixture(t, "vars"), filepath.Join(t.TempDir(), "cache")
	const n = 4
	cmds := make([]*exec.Cmd, n)
	outs := make([]bytes.Buffer, n)
	for i := range cmds {
		cmd := exec.CommandContext(ctxT(t), os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), helperEnv+"=load", "CORRAL_NIXSHELL_NIX="+tool.Path,
			"CORRAL_NIXSHELL_DIR="+dir, "CORRAL_NIXSHELL_CACHE="+cache)
		cmd.Stdout, cmd.Stderr = &outs[i], &outs[i]
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds[i] = cmd
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("process %d: %v: %s", i, err, outs[i].String())
		} else if got := strings.TrimSpace(outs[i].String()); got != "from-the-flake" {
			t.Errorf("process %d got FOO=%q", i, got)
		}
	}
	if c := calls(t, log, "print-dev-env"); c != 1 {
		t.Fatalf("print-dev-env ran %d times for %d concurrent loads, want 1", c, n)
	}
}

func TestUncachedLoadReleasesGCRootAndTemps(t *testing.T) {
	tool := requireNix(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	r, err := tool.Load(ctxT(t), Options{Dir: fixture(t, "vars")})
	if err != nil {
		t.Fatal(err)
	}
	if r.Hit || r.Vars["FOO"] != "from-the-flake" {
		t.Fatalf("hit=%v FOO=%q", r.Hit, r.Vars["FOO"])
	}
	roots, _ := filepath.Glob(filepath.Join(tmp, "corral-nix-*", "shell"))
	if len(roots) != 1 {
		t.Fatalf("GC roots %v, want one temporary root while in use", roots)
	}
	if target, err := filepath.EvalSymlinks(roots[0]); err != nil || target != r.StorePath {
		t.Fatalf("GC root names %q (%v), want %q", target, err, r.StorePath)
	}
	if err := r.Release(); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Fatalf("left in TMPDIR after Release: %v", left)
	}
}

func TestCacheKeepsOneGeneration(t *testing.T) {
	tool := requireNix(t)
	dir, cache := fixture(t, "vars"), filepath.Join(t.TempDir(), "cache")
	load(t, tool, dir, cache, quietLogger())
	rewrite(t, filepath.Join(dir, "flake.nix"), "from-the-flake", "second")
	load(t, tool, dir, cache, quietLogger())
	links, _ := filepath.Glob(filepath.Join(cache, "*.profile-*-link"))
	if len(links) != 1 {
		t.Fatalf("generation links %v, want only the current one", links)
	}
}
