package companion_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/corralrun/corral/runners/base"
	"github.com/corralrun/corral/runners/companion"
	"github.com/corralrun/corral/runners/docker"
)

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func testLogger(buf *syncBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// The automatic choice against the real host: a plain directory gives
// Native, a flake directory Nix, an image with an engine Docker, an image
// without one the next best; the choice and its reason are logged.
func TestAutomaticChoice(t *testing.T) {
	plain := t.TempDir()
	flake := t.TempDir()
	writeFlake(t, flake)
	tests := []struct {
		name       string
		dir        string
		image      bool
		dockerHost string // "" : the test engine
		want       string
		mention    string
	}{
		{"plain dir", plain, false, "", companion.Native, "no flake.nix in " + plain},
		{"flake dir", flake, false, "", companion.Nix, flake + " holds flake.nix"},
		{"image", plain, true, "", companion.Docker, "answers at"},
		{"image without engine", flake, true, "unix:///nonexistent.sock", companion.Nix, "unix:///nonexistent.sock"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			isolate(t)
			switch {
			case tc.want == companion.Docker:
				useEngine(t, testEngines()[0])
			case tc.dockerHost != "":
				t.Setenv("DOCKER_HOST", tc.dockerHost)
			}
			if tc.want == companion.Nix {
				requireNix(t)
			}
			opts := companion.CompanionOpts{Name: testName(t), SourceDir: tc.dir}
			if tc.image {
				opts.Image = testImage(t)
			}
			var logs syncBuffer
			opts.Logger = testLogger(&logs)
			r := newRunner(t, opts)
			if r.Backend() != tc.want || !strings.Contains(r.Reason(), tc.mention) {
				t.Fatalf("Backend %q, Reason %q; want %s, mentioning %q", r.Backend(), r.Reason(), tc.want, tc.mention)
			}
			if !strings.Contains(logs.String(), "backend="+tc.want) || !strings.Contains(logs.String(), "companion backend chosen") {
				t.Errorf("the choice was not logged:\n%s", logs.String())
			}
			if tc.image && tc.want != companion.Docker && !strings.Contains(logs.String(), "level=WARN") {
				t.Errorf("an unused image was not logged as a warning:\n%s", logs.String())
			}
		})
	}
}

// A preferred backend that cannot be served is an error naming what is
// missing, never another backend.
func TestPreferenceNotServed(t *testing.T) {
	plain := t.TempDir()
	flake := t.TempDir()
	writeFlake(t, flake)
	emptyPath := t.TempDir()
	tests := []struct {
		name    string
		opts    companion.CompanionOpts
		env     map[string]string
		wantErr error
		mention string
	}{
		{"docker without an engine", companion.CompanionOpts{SourceDir: plain, Image: testImage(t), PreferredBackend: companion.Docker},
			map[string]string{"DOCKER_HOST": "unix:///nonexistent.sock"}, docker.ErrEngineUnavailable, "unix:///nonexistent.sock"},
		{"docker without an image", companion.CompanionOpts{SourceDir: plain, PreferredBackend: companion.Docker},
			nil, companion.ErrUnavailable, "needs an image"},
		{"nix without a flake", companion.CompanionOpts{SourceDir: plain, PreferredBackend: companion.Nix},
			nil, companion.ErrUnavailable, "flake.nix in " + plain},
		{"nix without nix", companion.CompanionOpts{SourceDir: flake, PreferredBackend: companion.Nix},
			map[string]string{"PATH": emptyPath}, companion.ErrUnavailable, "not in PATH"},
		{"kubernetes", companion.CompanionOpts{SourceDir: plain, Image: testImage(t), PreferredBackend: companion.Kubernetes},
			nil, companion.ErrNoKubernetes, "kubernetes backend does not exist"},
		{"no such backend", companion.CompanionOpts{SourceDir: plain, PreferredBackend: "lxc"},
			nil, companion.ErrUnknownBackend, `"lxc"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			r, err := companion.NewCompanionRunner(ctxT(t), tc.opts)
			if err == nil {
				r.Shutdown(context.Background())
				t.Fatalf("NewCompanionRunner served %s (%s); want an error", r.Backend(), r.Reason())
			}
			if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), tc.mention) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q: want one line, errors.Is %v, mentioning %q", err, tc.wantErr, tc.mention)
			}
		})
	}
}

// On Native and Nix a mount, port mapping or user that cannot take effect
// fails Init and NewProcess, naming the setting; one that already holds
// on the host is accepted.
func TestHostSettings(t *testing.T) {
	self, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	other := strconv.Itoa(os.Getuid() + 4242)
	tests := []struct {
		name      string
		configure func(r companion.CompanionRunner, dir string)
		mention   string // "" : accepted
	}{
		{"mount elsewhere", func(r companion.CompanionRunner, dir string) { r.WithMount(dir, "/data") }, "mount "},
		{"mount onto itself", func(r companion.CompanionRunner, dir string) { r.WithMount(dir, dir) }, ""},
		{"port to another", func(r companion.CompanionRunner, _ string) { r.WithPortMapping(context.Background(), 18080, 80) }, "port mapping 18080:80"},
		{"port to itself", func(r companion.CompanionRunner, _ string) { r.WithPortMapping(context.Background(), 18080, 18080) }, ""},
		{"another user", func(r companion.CompanionRunner, _ string) { r.WithUser(other) }, `user "` + other + `"`},
		{"our uid and gid", func(r companion.CompanionRunner, _ string) {
			r.WithUser(strconv.Itoa(os.Getuid()) + ":" + strconv.Itoa(os.Getgid()))
		}, ""},
		{"our name", func(r companion.CompanionRunner, _ string) { r.WithUser(self.Username) }, ""},
		{"entrypoint and pause", func(r companion.CompanionRunner, _ string) { r.WithEntrypoint("x"); r.WithPause() }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			isolate(t)
			dir := t.TempDir()
			r := newRunner(t, companion.CompanionOpts{SourceDir: dir, PreferredBackend: companion.Native})
			tc.configure(r, dir)
			initErr := r.Init(ctxT(t))
			_, newErr := r.NewProcess("true")
			if tc.mention == "" {
				if initErr != nil || newErr != nil {
					t.Fatalf("Init: %v, NewProcess: %v; want both to succeed", initErr, newErr)
				}
				return
			}
			for _, err := range []error{initErr, newErr} {
				if err == nil || !strings.Contains(err.Error(), tc.mention) || !strings.Contains(err.Error(), "native") {
					t.Errorf("error %v; want one naming %q and the backend", err, tc.mention)
				}
			}
		})
	}
}

// The work directory applies to every process of every backend, and a
// proc's own WithDir still wins.
func TestWorkDir(t *testing.T) {
	type mk func(t *testing.T, dir string) companion.CompanionRunner
	backends := map[string]mk{
		"native": func(t *testing.T, dir string) companion.CompanionRunner {
			return newRunner(t, companion.CompanionOpts{SourceDir: dir, PreferredBackend: companion.Native})
		},
		"nix": func(t *testing.T, dir string) companion.CompanionRunner {
			requireNix(t)
			writeFlake(t, dir)
			return newRunner(t, companion.CompanionOpts{SourceDir: dir, PreferredBackend: companion.Nix})
		},
		"docker": func(t *testing.T, dir string) companion.CompanionRunner {
			useEngine(t, testEngines()[0])
			return newRunner(t, companion.CompanionOpts{Name: testName(t), SourceDir: dir, Image: testImage(t), PreferredBackend: companion.Docker})
		},
	}
	for name, newR := range backends {
		t.Run(name, func(t *testing.T) {
			isolate(t)
			dir := t.TempDir()
			for _, sub := range []string{"work", "other"} {
				if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			r := newR(t, dir)
			r.WithWorkDir("work")
			if err := r.Init(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			for i, want := range []string{"work", "work", "other"} {
				p, err := r.NewProcess("pwd")
				if err != nil {
					t.Fatal(err)
				}
				if i == 2 {
					p.WithDir(filepath.Join(dir, "other"))
				}
				var out bytes.Buffer
				p.WithOutput(&out)
				if err := p.Run(ctxT(t)); err != nil {
					t.Fatal(err)
				}
				if got := strings.TrimSpace(out.String()); got != filepath.Join(dir, want) {
					t.Errorf("process %d ran in %q, want %q", i, got, filepath.Join(dir, want))
				}
			}
		})
	}
}

// A Nix companion caches the materialised shell under $CORRAL_HOME/nix:
// the second runner of the same flake hits the cache.
func TestNixCompanionCaches(t *testing.T) {
	requireNix(t)
	isolate(t)
	dir := t.TempDir()
	writeFlake(t, dir)
	hits := make([]bool, 2)
	for i := range hits {
		var logs syncBuffer
		r := newRunner(t, companion.CompanionOpts{SourceDir: dir, Logger: testLogger(&logs)})
		if r.Backend() != companion.Nix {
			t.Fatalf("Backend %q (%s), want nix", r.Backend(), r.Reason())
		}
		if err := r.Init(ctxT(t)); err != nil {
			t.Fatal(err)
		}
		hits[i] = strings.Contains(logs.String(), "cache_hit=true")
		if m := r.RunnerEnv().(*base.NixEnvironment).Materialized(); m["FOO"] != "from-the-flake" {
			t.Fatalf("materialised FOO = %q", m["FOO"])
		}
	}
	if hits[0] || !hits[1] {
		t.Fatalf("cache hits %v, want a miss then a hit", hits)
	}
	cache, err := companion.NixCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(cache); len(entries) == 0 || !strings.HasPrefix(cache, os.Getenv("CORRAL_HOME")) {
		t.Fatalf("cache dir %s (CORRAL_HOME %s) holds %d entries", cache, os.Getenv("CORRAL_HOME"), len(entries))
	}
}

// WithStopSignal reaches every backend: Stop sends that signal first.
func TestStopSignal(t *testing.T) {
	backends := map[string]func(t *testing.T, dir string) companion.CompanionRunner{
		"native": func(t *testing.T, dir string) companion.CompanionRunner {
			return newRunner(t, companion.CompanionOpts{SourceDir: dir, PreferredBackend: companion.Native})
		},
		"nix": func(t *testing.T, dir string) companion.CompanionRunner {
			requireNix(t)
			writeFlake(t, dir)
			return newRunner(t, companion.CompanionOpts{SourceDir: dir, PreferredBackend: companion.Nix})
		},
		"docker": func(t *testing.T, dir string) companion.CompanionRunner {
			useEngine(t, testEngines()[0])
			return newRunner(t, companion.CompanionOpts{Name: testName(t), SourceDir: dir, Image: testImage(t), PreferredBackend: companion.Docker})
		},
	}
	for name, newR := range backends {
		t.Run(name, func(t *testing.T) {
			isolate(t)
			r := newR(t, t.TempDir())
			r.WithStopSignal(syscall.SIGUSR1)
			r.WithGracePeriod(10 * time.Second)
			ctx := ctxT(t)
			if err := r.Init(ctx); err != nil {
				t.Fatal(err)
			}
			p, err := r.NewProcess("sh", "-c", `trap 'echo got-usr1; exit 0' USR1; echo ready; while :; do sleep 0.05; done`)
			if err != nil {
				t.Fatal(err)
			}
			var out syncBuffer
			p.WithOutput(&out)
			if err := p.Start(ctx); err != nil {
				t.Fatal(err)
			}
			for !strings.Contains(out.String(), "ready") {
				if ctx.Err() != nil {
					t.Fatal("no ready line")
				}
				time.Sleep(5 * time.Millisecond)
			}
			start := time.Now()
			if err := p.Stop(ctx); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), "got-usr1") || time.Since(start) > 5*time.Second {
				t.Fatalf("output %q after %v: want got-usr1 well before the 10 s grace", out.String(), time.Since(start))
			}
		})
	}
}
