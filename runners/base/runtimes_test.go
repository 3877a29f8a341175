package base

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/corralrun/corral/resources"
)

// runtimeTestTimeout bounds every runtime test; version commands of real
// and fake tools answer in milliseconds.
const runtimeTestTimeout = 30 * time.Second

func runtimeTestContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), runtimeTestTimeout)
	t.Cleanup(cancel)
	return ctx
}

// fakeTools writes each script as an executable named by its key into a
// new directory and returns the directory.
func fakeTools(t *testing.T, scripts map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range scripts {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// prependPath puts dir first in PATH for the rest of the test.
func prependPath(t *testing.T, dir string) {
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

func TestParseVersion(t *testing.T) {
	tests := []struct {
		in     string
		want   []int
		wantOK bool
	}{
		{"go version go1.26.8 linux/amd64", []int{1, 26, 8}, true},
		{"go version go1.22rc1 linux/amd64", []int{1, 22}, true},
		{"go version devel go1.27-abc123 linux/amd64", []int{1, 27}, true},
		{"Python 3.11.2", []int{3, 11, 2}, true},
		{"Python 3.13.0a1+", []int{3, 13, 0}, true},
		{"v18.19.0\n", []int{18, 19, 0}, true},
		{"9.2.0", []int{9, 2, 0}, true},
		{"rustc 1.70.0 (90c541806 2023-05-31)", []int{1, 70, 0}, true},
		{"cargo 1.70.0-nightly (ec8a8a0ca 2023-04-25)", []int{1, 70, 0}, true},
		{"Docker version 20.10.24+dfsg1, build 297e128", []int{20, 10, 24}, true},
		{"nix (Nix) 2.8.0", []int{2, 8, 0}, true},
		// A bare number counts only when nothing dotted follows.
		{"tool 7", []int{7}, true},
		{"build 7, version 1.2", []int{1, 2}, true},
		{"1.22", []int{1, 22}, true},
		{"3", []int{3}, true},
		{"1.010", []int{1, 10}, true},
		{"", nil, false},
		{"no numbers here", nil, false},
		{"99999999999999999999999.1", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseVersion(tt.in)
			if ok != tt.wantOK || !slices.Equal(got, tt.want) {
				t.Errorf("parseVersion(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestCompareVersions(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1.10", "1.9", 1},
		{"1.9", "1.10", -1},
		{"1.22", "1.22.0", 0},
		{"1.22.0", "1.22", 0},
		{"1.26.8", "1.22", 1},
		{"1.21.9", "1.22", -1},
		{"2", "1.99.99", 1},
		{"1.2.3", "1.2.3", 0},
		{"1.2.3.1", "1.2.3", 1},
		{"0.0.1", "0", 1},
		{"1.0.0-rc1", "1.0.0", 0}, // pre-release text is not part of the number
	}
	for _, tt := range tests {
		t.Run(tt.a+"_vs_"+tt.b, func(t *testing.T) {
			a, okA := parseVersion(tt.a)
			b, okB := parseVersion(tt.b)
			if !okA || !okB {
				t.Fatalf("parseVersion(%q), parseVersion(%q): not versions", tt.a, tt.b)
			}
			if got := compareVersions(a, b); got != tt.want {
				t.Errorf("compareVersions(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestVersionArgs(t *testing.T) {
	tests := map[string][]string{
		"go":      {"version"},
		"python":  {"--version"},
		"python3": {"--version"},
		"node":    {"--version"},
		"npm":     {"--version"},
		"rustc":   {"--version"},
		"cargo":   {"--version"},
		"docker":  {"--version"},
		"nix":     {"--version"},
		"mytool":  {"--version"},
	}
	for name, want := range tests {
		if got := versionArgs(name); !slices.Equal(got, want) {
			t.Errorf("versionArgs(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestCheckForRuntimesGo(t *testing.T) {
	ctx := runtimeTestContext(t)
	// go test puts the Go that built this test first in PATH.
	goVersion, ok := parseVersion(runtime.Version())
	if !ok {
		t.Skipf("cannot parse runtime.Version() %q (a development toolchain)", runtime.Version())
	}
	for _, min := range []string{"", "1.0", "1"} {
		if err := CheckForRuntimes(ctx, []*resources.Runtime{{Name: "go", MinVersion: min}}); err != nil {
			t.Errorf("go with MinVersion %q: %v", min, err)
		}
	}

	err := CheckForRuntimes(ctx, []*resources.Runtime{{Name: "go", MinVersion: "999.0"}})
	if !errors.Is(err, ErrRuntimeMissing) {
		t.Fatalf("go >= 999.0: err = %v, want ErrRuntimeMissing", err)
	}
	for _, want := range []string{"go", "999.0", formatVersion(goVersion), "go.dev/dl"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestCheckForRuntimesFakeVersions(t *testing.T) {
	ctx := runtimeTestContext(t)
	prependPath(t, fakeTools(t, map[string]string{
		"corral-fake":        `echo "corral-fake version 1.10.0-beta.2 (built 2024.01)"`,
		"corral-fake-stderr": `echo "corral-fake-stderr 2.7.18" >&2`,
	}))
	tests := []struct {
		name, min string
		wantErr   bool
	}{
		{"corral-fake", "", false},
		{"corral-fake", "1.9", false},
		{"corral-fake", "1.10", false},
		{"corral-fake", "1.10.0", false},
		{"corral-fake", "1", false},
		{"corral-fake", "1.10.1", true},
		{"corral-fake", "1.11", true},
		{"corral-fake", "2", true},
		{"corral-fake-stderr", "2.7", false},
		{"corral-fake-stderr", "3.0", true},
	}
	for _, tt := range tests {
		t.Run(tt.name+">="+tt.min, func(t *testing.T) {
			err := CheckForRuntimes(ctx, []*resources.Runtime{{Name: tt.name, MinVersion: tt.min}})
			if (err != nil) != tt.wantErr {
				t.Fatalf("CheckForRuntimes(%s >= %s) = %v, want error: %v", tt.name, tt.min, err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrRuntimeMissing) {
				t.Errorf("error %v does not wrap ErrRuntimeMissing", err)
			}
		})
	}
}

func TestCheckForRuntimesUnreadableVersion(t *testing.T) {
	ctx := runtimeTestContext(t)
	prependPath(t, fakeTools(t, map[string]string{
		"corral-fails":     `echo "boom"; exit 3`,
		"corral-no-number": `echo "version: unknown"`,
	}))
	for _, name := range []string{"corral-fails", "corral-no-number"} {
		err := CheckForRuntimes(ctx, []*resources.Runtime{{Name: name, MinVersion: "1.0"}})
		if !errors.Is(err, ErrRuntimeMissing) {
			t.Fatalf("%s: err = %v, want ErrRuntimeMissing", name, err)
		}
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}

func TestCheckForRuntimesMissing(t *testing.T) {
	ctx := runtimeTestContext(t)
	const a, b = "corral-no-such-runtime-a", "corral-no-such-runtime-b"

	err := CheckForRuntimes(ctx, []*resources.Runtime{{Name: a}})
	if !errors.Is(err, ErrRuntimeMissing) {
		t.Fatalf("missing %s: err = %v, want ErrRuntimeMissing", a, err)
	}
	for _, want := range []string{a, "not found", "install"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}

	err = CheckForRuntimes(ctx, []*resources.Runtime{
		{Name: a, MinVersion: "1.2"},
		{Name: "go"},
		nil,
		{Name: b, MinVersion: "3.4"},
	})
	if !errors.Is(err, ErrRuntimeMissing) {
		t.Fatalf("two missing: err = %v, want ErrRuntimeMissing", err)
	}
	for _, want := range []string{a, "1.2", b, "3.4"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "go:") {
		t.Errorf("error %q names go, which is present", err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error %q spans lines", err)
	}
}

func TestCheckForRuntimesNothingRequired(t *testing.T) {
	ctx := runtimeTestContext(t)
	for name, reqs := range map[string][]*resources.Runtime{
		"nil slice":  nil,
		"empty":      {},
		"nil entry":  {nil},
		"nil and go": {nil, {Name: "go"}, nil},
	} {
		if err := CheckForRuntimes(ctx, reqs); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestCheckForRuntimesInvalidRequirement(t *testing.T) {
	ctx := runtimeTestContext(t)
	// A tool that would hang shows that nothing runs before validation.
	prependPath(t, fakeTools(t, map[string]string{"corral-hangs": "exec sleep 30"}))
	tests := []struct {
		name  string
		reqs  []*resources.Runtime
		names string
	}{
		{"empty name", []*resources.Runtime{{Name: "corral-hangs", MinVersion: "1"}, {Name: ""}}, "requirement 1"},
		{"version without number", []*resources.Runtime{{Name: "corral-hangs", MinVersion: "1"}, {Name: "go", MinVersion: "latest"}}, `"latest"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			err := CheckForRuntimes(ctx, tt.reqs)
			if !errors.Is(err, ErrInvalidRuntime) {
				t.Fatalf("err = %v, want ErrInvalidRuntime", err)
			}
			if errors.Is(err, ErrRuntimeMissing) {
				t.Errorf("error %v wraps ErrRuntimeMissing for a bad requirement", err)
			}
			if !strings.Contains(err.Error(), tt.names) {
				t.Errorf("error %q does not mention %s", err, tt.names)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("validation took %v: a version command ran first", d)
			}
		})
	}
}

func TestCheckForRuntimesContextDone(t *testing.T) {
	prependPath(t, fakeTools(t, map[string]string{"corral-hangs": "exec sleep 30"}))
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	err := CheckForRuntimes(ctx, []*resources.Runtime{{Name: "corral-hangs", MinVersion: "1"}})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
	if !strings.Contains(err.Error(), "corral-hangs") {
		t.Errorf("error %q does not name the runtime", err)
	}
}

func TestCheckPythonPath(t *testing.T) {
	python := `echo "Python 3.11.2"`
	tests := []struct {
		name  string
		tools map[string]string
		want  string // base name found; "" for an error
	}{
		{"python3 first", map[string]string{"python3": python, "python": python}, "python3"},
		{"python only", map[string]string{"python": python}, "python"},
		{"none", map[string]string{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := fakeTools(t, tt.tools)
			t.Setenv("PATH", dir)
			path, err := CheckPythonPath()
			if tt.want == "" {
				if !errors.Is(err, ErrRuntimeMissing) {
					t.Fatalf("CheckPythonPath() = %q, %v; want ErrRuntimeMissing", path, err)
				}
				return
			}
			if err != nil || path != filepath.Join(dir, tt.want) {
				t.Fatalf("CheckPythonPath() = %q, %v; want %s", path, err, filepath.Join(dir, tt.want))
			}
		})
	}
}

func TestCheckForRuntimesPythonMeansPython3(t *testing.T) {
	ctx := runtimeTestContext(t)
	t.Setenv("PATH", fakeTools(t, map[string]string{"python3": `echo "Python 3.11.2"`}))
	if err := CheckForRuntimes(ctx, []*resources.Runtime{{Name: "python", MinVersion: "3.10"}}); err != nil {
		t.Fatalf("python >= 3.10 with python3 3.11.2 in PATH: %v", err)
	}
	err := CheckForRuntimes(ctx, []*resources.Runtime{{Name: "python", MinVersion: "3.12"}})
	if !errors.Is(err, ErrRuntimeMissing) || !strings.Contains(err.Error(), "3.11.2") {
		t.Fatalf("python >= 3.12 with python3 3.11.2: err = %v, want ErrRuntimeMissing naming 3.11.2", err)
	}
}

func TestCheckNixInstalled(t *testing.T) {
	t.Setenv("PATH", fakeTools(t, map[string]string{"nix": `echo "nix (Nix) 2.8.0"`}))
	if !CheckNixInstalled() {
		t.Error("CheckNixInstalled() = false with nix in PATH")
	}
	t.Setenv("PATH", t.TempDir())
	if CheckNixInstalled() {
		t.Error("CheckNixInstalled() = true with an empty PATH")
	}
}

func TestNixSupported(t *testing.T) {
	for goos, want := range map[string]bool{"linux": true, "darwin": true, "windows": false, "freebsd": false} {
		if got := nixSupported(goos); got != want {
			t.Errorf("nixSupported(%q) = %v, want %v", goos, got, want)
		}
	}
	if got, want := IsNixSupported(), nixSupported(runtime.GOOS); got != want {
		t.Errorf("IsNixSupported() = %v on %s, want %v", got, runtime.GOOS, want)
	}
}

func TestNixInstallCommand(t *testing.T) {
	tests := []struct {
		name        string
		host        hostFacts
		contains    []string
		notContains []string
	}{
		{"linux systemd", hostFacts{goos: "linux", systemd: true}, []string{"nixos.org/nix/install", "--daemon"}, []string{"--no-daemon", "apt-get"}},
		{"linux no systemd", hostFacts{goos: "linux"}, []string{"nixos.org/nix/install", "--no-daemon"}, []string{"apt-get"}},
		{"debian no systemd", hostFacts{goos: "linux", debian: true}, []string{"--no-daemon", "apt-get install nix-bin"}, nil},
		{"debian systemd", hostFacts{goos: "linux", systemd: true, debian: true}, []string{" --daemon", "apt-get install nix-bin"}, []string{"--no-daemon"}},
		{"darwin", hostFacts{goos: "darwin"}, []string{"nixos.org/nix/install"}, []string{"daemon", "apt-get"}},
		{"windows", hostFacts{goos: "windows"}, []string{"windows", "WSL"}, []string{"curl"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := nixInstallCommand(tt.host)
			for _, s := range tt.contains {
				if !strings.Contains(got, s) {
					t.Errorf("nixInstallCommand(%+v) = %q, want it to contain %q", tt.host, got, s)
				}
			}
			for _, s := range tt.notContains {
				if strings.Contains(got, s) {
					t.Errorf("nixInstallCommand(%+v) = %q, want it without %q", tt.host, got, s)
				}
			}
		})
	}
	if got := NixInstallCommand(); got != nixInstallCommand(currentHost()) {
		t.Errorf("NixInstallCommand() = %q, not the command for this host", got)
	}
}

func TestInstallHint(t *testing.T) {
	debian := hostFacts{goos: "linux", debian: true}
	fedora := hostFacts{goos: "linux"}
	mac := hostFacts{goos: "darwin"}
	tests := []struct {
		name string
		host hostFacts
		want string
	}{
		{"go", debian, "apt-get install golang-go"},
		{"go", fedora, "https://go.dev/dl"},
		{"go", mac, "brew install go"},
		{"python", debian, "apt-get install python3"},
		{"python3", mac, "brew install python"},
		{"node", debian, "apt-get install nodejs npm"},
		{"npm", fedora, "nodejs.org"},
		{"rustc", debian, "rustup.rs"},
		{"cargo", mac, "rustup.rs"},
		{"docker", debian, "apt-get install docker.io"},
		{"docker", mac, "docs.docker.com"},
		{"nix", debian, "apt-get install nix-bin"},
		{"mytool", debian, "mytool"},
	}
	for _, tt := range tests {
		t.Run(tt.name+"_"+tt.host.goos, func(t *testing.T) {
			got := installHint(tt.name, tt.host)
			if !strings.Contains(got, tt.want) {
				t.Errorf("installHint(%q, %+v) = %q, want it to contain %q", tt.name, tt.host, got, tt.want)
			}
			if strings.Contains(got, "\n") {
				t.Errorf("installHint(%q) = %q spans lines", tt.name, got)
			}
		})
	}
}
