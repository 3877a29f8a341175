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

func TestParseSemver(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" when there is no version
	}{
		{"Python 3.12.1", "v3.12.1"},
		{"Python 3.13.0a1+", "v3.13.0-a1"},
		{"Python 3.12.0rc2", "v3.12.0-rc2"},
		{"v18.19.0\n", "v18.19.0"},
		{"v21.0.0-nightly20231010abc", "v21.0.0-nightly20231010abc"},
		{"10.2.4", "v10.2.4"},
		{"rustc 1.75.0 (82e1608df 2023-12-21)", "v1.75.0"},
		{"rustc 1.77.0-nightly (5518eaa94 2024-01-29)", "v1.77.0-nightly"},
		{"cargo 1.75.0 (1d8b05cdd 2023-11-20)", "v1.75.0"},
		{"cargo 1.70.0-beta.2 (ec8a8a0ca 2023-04-25)", "v1.70.0-beta.2"},
		{"Docker version 24.0.7, build afdd53b", "v24.0.7"},
		{"Docker version 20.10.24+dfsg1, build 297e128", "v20.10.24"},
		{"nix (Nix) 2.18.1", "v2.18.1"},
		{"nix (Nix) 2.19.0pre20231020_dirty", "v2.19.0-pre20231020"},
		// A bare number counts only when nothing dotted follows.
		{"tool 7", "v7.0.0"},
		{"build 7, version 1.2", "v1.2.0"},
		{"1.22", "v1.22.0"},
		{"3", "v3.0.0"},
		{"1.010", "v1.10.0"},
		{"1.2.3.4", "v1.2.3"},
		{"21.0.0-", "v21.0.0"},
		{"", ""},
		{"no numbers here", ""},
		{"gcc (Debian 12.2.0-14) 12.2.0", "v12.2.0"}, // a package revision, not a prerelease
		{"Python 3.11.2-1ubuntu1", "v3.11.2"},
		{"node v21.0.0-nightly.01", ""}, // a numeric identifier with a leading zero is not semver
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseSemver(tt.in)
			if ok != (tt.want != "") || got != tt.want {
				t.Errorf("parseSemver(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
			}
		})
	}
}

func TestParseGoVersion(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" when there is no version
	}{
		{"go version go1.22.1 linux/amd64", "go1.22.1"},
		{"go version go1.22rc1 linux/amd64", "go1.22rc1"},
		{"go version go1.21beta2 darwin/arm64", "go1.21beta2"},
		{"go version go1.20 linux/amd64", "go1.20"},
		{"go version devel go1.27-abc123 Tue Jan 2 2026 linux/amd64", "go1.27-abc123"},
		{"go version go2.0.1 linux/amd64", "go2.0.1"},
		{"1.22", "go1.22"},
		{"1.22.0", "go1.22.0"},
		{"1.22rc1", "go1.22rc1"},
		{"go1.22", "go1.22"},
		{"1", "go1"},
		{"latest", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseGoVersion(tt.in)
			if ok != (tt.want != "") || got != tt.want {
				t.Errorf("parseGoVersion(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
			}
		})
	}
}

// TestVersionAtLeast decides requirements against each runtime's real
// version output.
func TestVersionAtLeast(t *testing.T) {
	tests := []struct {
		runtime, output, min string
		want                 bool
	}{
		{"go", "go version go1.22.1 linux/amd64", "1.22", true},
		{"go", "go version go1.22.0 linux/amd64", "1.22", true},
		{"go", "go version go1.22rc1 linux/amd64", "1.22", false},
		{"go", "go version go1.22rc1 linux/amd64", "1.22rc1", true},
		{"go", "go version go1.22rc2 linux/amd64", "1.22rc1", true},
		{"go", "go version go1.22rc1 linux/amd64", "1.22rc2", false},
		{"go", "go version go1.22beta1 linux/amd64", "1.22rc1", false},
		{"go", "go version go1.22.0 linux/amd64", "1.22.1", false},
		{"go", "go version go1.21.13 linux/amd64", "1.22", false},
		{"go", "go version go1.23rc1 linux/amd64", "1.22", true},
		{"go", "go version go1.20 linux/amd64", "1.20", true}, // Go 1.20 and earlier named the release go1.20
		{"go", "go version go1.20rc1 linux/amd64", "1.20", false},
		{"go", "go version go1.10 linux/amd64", "1.9", true},
		{"go", "go version go1.9.7 linux/amd64", "1.10", false},
		{"go", "go version go1.26.8 linux/amd64", "1", true},
		{"go", "go version go1.26.8 linux/amd64", "go1.26.8", true},
		{"go", "go version devel go1.27-abc123 linux/amd64", "1.26.8", true},
		{"go", "go version devel go1.27-abc123 linux/amd64", "1.27", false},
		{"node", "v21.0.0-nightly20231010abc", "21.0.0", false},
		{"node", "v21.0.0-nightly20231010abc", "21", false},
		{"node", "v21.0.0-nightly20231010abc", "20.11", true},
		{"node", "v21.0.0", "21.0.0", true},
		{"node", "v18.19.0", "18.2", true},
		{"npm", "10.2.4", "10.3", false},
		{"python", "Python 3.12.1", "3.12", true},
		{"python", "Python 3.12.1", "3.12.2", false},
		{"python", "Python 3.13.0a1+", "3.13", false},
		{"python", "Python 3.13.0a1+", "3.12", true},
		{"rustc", "rustc 1.75.0 (82e1608df 2023-12-21)", "1.75", true},
		{"rustc", "rustc 1.75.0 (82e1608df 2023-12-21)", "1.76", false},
		{"rustc", "rustc 1.76.0-nightly (a57770440 2023-11-16)", "1.76", false},
		{"cargo", "cargo 1.75.0 (1d8b05cdd 2023-11-20)", "1.70.0", true},
		{"docker", "Docker version 24.0.7, build afdd53b", "24", true},
		{"docker", "Docker version 20.10.24+dfsg1, build 297e128", "20.10.24", true},
		{"docker", "Docker version 20.10.24+dfsg1, build 297e128", "20.10.25", false},
		{"nix", "nix (Nix) 2.18.1", "2.18", true},
		{"nix", "nix (Nix) 2.19.0pre20231020_dirty", "2.19", false},
		{"mytool", "mytool version 1.10.0-beta.2 (built 2024.01)", "1.10.0-beta.1", true},
		{"mytool", "mytool version 1.10.0-beta.2 (built 2024.01)", "1.10.0", false},
		{"mytool", "mytool 1.10", "1.9", true},
		{"mytool", "mytool 1.9", "1.10", false},
		{"gcc", "gcc (Debian 12.2.0-14) 12.2.0", "12.2.0", true},
	}
	for _, tt := range tests {
		t.Run(tt.runtime+"_"+tt.output+">="+tt.min, func(t *testing.T) {
			scheme := schemeFor(tt.runtime)
			found, ok := scheme.parse(tt.output)
			if !ok {
				t.Fatalf("%s: no version in %q", tt.runtime, tt.output)
			}
			min, ok := scheme.parse(tt.min)
			if !ok {
				t.Fatalf("%s: no version in requirement %q", tt.runtime, tt.min)
			}
			if got := scheme.atLeast(found, min); got != tt.want {
				t.Errorf("%s %q (%s) >= %q (%s) = %v, want %v", tt.runtime, tt.output, found, tt.min, min, got, tt.want)
			}
		})
	}
}

// TestCheckForRuntimesRealOutputs runs CheckForRuntimes against fake
// runtimes printing real version text, so the whole path (look up, run,
// parse, compare, report) is covered for each.
func TestCheckForRuntimesRealOutputs(t *testing.T) {
	ctx := runtimeTestContext(t)
	t.Setenv("PATH", fakeTools(t, map[string]string{
		"go":      `echo "go version go1.22rc1 linux/amd64"`,
		"node":    `echo "v21.0.0-nightly20231010abc"`,
		"python3": `echo "Python 3.12.1"`,
		"rustc":   `echo "rustc 1.75.0 (82e1608df 2023-12-21)"`,
		"docker":  `echo "Docker version 20.10.24+dfsg1, build 297e128"`,
	}))
	tests := []struct {
		runtime, min string
		wantErr      bool
	}{
		{"go", "1.21", false},
		{"go", "1.22rc1", false},
		{"go", "1.22", true},
		{"node", "20", false},
		{"node", "21.0.0", true},
		{"python", "3.12", false},
		{"python", "3.12.2", true},
		{"rustc", "1.75.0", false},
		{"rustc", "1.76", true},
		{"docker", "20.10.24", false},
		{"docker", "24", true},
	}
	for _, tt := range tests {
		t.Run(tt.runtime+">="+tt.min, func(t *testing.T) {
			err := CheckForRuntimes(ctx, []*resources.Runtime{{Name: tt.runtime, MinVersion: tt.min}})
			if (err != nil) != tt.wantErr {
				t.Fatalf("CheckForRuntimes(%s >= %s) = %v, want error: %v", tt.runtime, tt.min, err, tt.wantErr)
			}
			if err != nil && (!errors.Is(err, ErrRuntimeMissing) || !strings.Contains(err.Error(), tt.min)) {
				t.Errorf("error %v: want ErrRuntimeMissing naming %s", err, tt.min)
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
	goVersion, ok := parseGoVersion(runtime.Version())
	if !ok {
		t.Skipf("cannot parse runtime.Version() %q", runtime.Version())
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
	for _, want := range []string{"go", "999.0", goVersion, "go.dev/dl"} {
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
		{"corral-fake", "1.10.0-beta.1", false},
		{"corral-fake", "1.10.0-beta.2", false},
		{"corral-fake", "1.10", true}, // a prerelease is below its release
		{"corral-fake", "1.10.0", true},
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

// TestRuntimeVersion: the version doctor shows is the one the checks
// compare, read from the real version text of each runtime.
func TestRuntimeVersion(t *testing.T) {
	ctx := runtimeTestContext(t)
	dir := fakeTools(t, map[string]string{
		"go":      `echo "go version go1.22rc1 linux/amd64"`,
		"node":    `echo "v21.0.0-nightly20231010abc"`,
		"python3": `echo "Python 3.13.0a1+"`,
		"rustc":   `echo "rustc 1.75.0 (82e1608df 2023-12-21)"`,
		"docker":  `echo "Docker version 20.10.24+dfsg1, build 297e128"`,
		"broken":  `echo "no version here"`,
	})
	t.Setenv("PATH", dir)
	tests := []struct {
		name, wantPath, want string
		wantErr              bool
	}{
		{"go", "go", "go1.22rc1", false},
		{"node", "node", "21.0.0-nightly20231010abc", false},
		{"python", "python3", "3.13.0-a1", false},
		{"rustc", "rustc", "1.75.0", false},
		{"docker", "docker", "20.10.24", false},
		{"broken", "broken", "", true},
		{"cargo", "", "", false}, // not in PATH: no path, no error
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, version, err := RuntimeVersion(ctx, tt.name)
			wantPath := ""
			if tt.wantPath != "" {
				wantPath = filepath.Join(dir, tt.wantPath)
			}
			if path != wantPath || version != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("RuntimeVersion(%q) = %q, %q, %v; want %q, %q, error %v", tt.name, path, version, err, wantPath, tt.want, tt.wantErr)
			}
		})
	}
}
