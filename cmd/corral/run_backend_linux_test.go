package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corralrun/corral/runners/docker/dockertest"
)

// `corral run --explain` says on stderr, in one line before the command
// runs, which backend was chosen and why: native in a plain directory,
// nix in a flake directory (and the command runs in its shell), docker
// with --image (and the command runs in a container).
func TestRunExplainAuto(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T) []string // the flags before --
		script  string                      // the command's sh script
		stdout  string
		explain string // in the first stderr line
	}{
		{"plain dir", func(t *testing.T) []string { return []string{"--dir", t.TempDir()} },
			`echo "ran:$FOO"`, "ran:", "native was chosen: no image given, and no flake.nix in "},
		{"flake dir", func(t *testing.T) []string {
			requireNix(t)
			return []string{"--dir", nixFixture(t, "vars")}
		}, `echo "ran:$FOO"`, "ran:from-the-flake", "nix was chosen: no image given, and "},
		{"image", func(t *testing.T) []string {
			dockerAPI(t)
			return []string{"--image", dockertest.Image, "--dir", t.TempDir()}
		}, `test -e /.dockerenv && echo ran:container`, "ran:container", "docker was chosen: image " + dockertest.Image + " given and "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			isolateHome(t)
			args := append([]string{"run", "--explain"}, tc.setup(t)...)
			args = append(args, "--", "sh", "-c", tc.script)
			d, stdout, stderr := testDeps(t, "")
			r := runWith(t, d, stdout, stderr, args...)
			if r.code != 0 || strings.TrimSpace(r.stdout) != tc.stdout {
				t.Fatalf("code %d, stdout %q, stderr %q; want 0 and %q", r.code, r.stdout, r.stderr, tc.stdout)
			}
			first, _, _ := strings.Cut(r.stderr, "\n")
			if !strings.HasPrefix(first, "corral: ") || !strings.Contains(first, tc.explain) {
				t.Errorf("first stderr line %q, want corral: …%s…", first, tc.explain)
			}
		})
	}
}

// Without --explain the choice is not printed.
func TestRunWithoutExplainIsQuiet(t *testing.T) {
	r := runCLI(t, "", "run", "--dir", t.TempDir(), "--", "true")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("code %d, stderr %q; want 0 and nothing", r.code, r.stderr)
	}
}

// --explain names the backend asked for too.
func TestRunExplainExplicit(t *testing.T) {
	r := runCLI(t, "", "run", "--explain", "--backend", "native", "--", "true")
	if r.code != 0 || r.stderr != "corral: native was asked for.\n" {
		t.Fatalf("code %d, stderr %q", r.code, r.stderr)
	}
}

// A backend asked for that cannot run here: a non-zero exit and one line
// naming what is missing; nothing runs.
func TestRunBackendNotServed(t *testing.T) {
	emptyPath := t.TempDir()
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		code    int
		mention []string
	}{
		{"docker without an engine", map[string]string{"DOCKER_HOST": "unix:///nonexistent.sock"},
			[]string{"--backend", "docker", "--image", "busybox"}, 1,
			[]string{"--backend docker cannot run here", "unix:///nonexistent.sock", "DOCKER_HOST"}},
		{"docker without an engine or an image", map[string]string{"DOCKER_HOST": "unix:///nonexistent.sock"},
			[]string{"--backend", "docker"}, 2,
			[]string{"--backend docker needs --image REF", "unix:///nonexistent.sock", "DOCKER_HOST"}},
		{"nix without nix", map[string]string{"PATH": emptyPath},
			[]string{"--backend", "nix", "--dir", filepath.Join("..", "..", "testdata", "nix", "vars")}, 1,
			[]string{"--backend nix cannot run here", "nix, which is not in PATH"}},
		{"kubernetes", nil, []string{"--backend", "kubernetes", "--image", "busybox"}, 1,
			[]string{"--backend kubernetes cannot run here", "does not exist"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			marker := filepath.Join(t.TempDir(), "ran")
			args := append([]string{"run"}, tc.args...)
			args = append(args, "--", "/bin/touch", marker)
			r := runCLI(t, "", args...)
			if r.code != tc.code || countLines(r.stderr) != 1 || !strings.HasPrefix(r.stderr, "corral: ") {
				t.Fatalf("code %d, stderr %q; want %d and one line", r.code, r.stderr, tc.code)
			}
			for _, m := range tc.mention {
				if !strings.Contains(r.stderr, m) {
					t.Errorf("stderr %q does not name %q", r.stderr, m)
				}
			}
			if _, err := os.Stat(marker); err == nil {
				t.Errorf("the command ran")
			}
		})
	}
}

// An image with no engine to run it: auto runs the command on the next
// best backend, and says so on stderr (a warning) even without --explain.
func TestRunAutoImageWithoutEngineWarns(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix:///nonexistent.sock")
	r := runCLI(t, "", "run", "--image", "busybox", "--dir", t.TempDir(), "--", "true")
	if r.code != 0 || !strings.Contains(r.stderr, "unix:///nonexistent.sock") || !strings.Contains(r.stderr, "backend=native") {
		t.Fatalf("code %d, stderr %q; want 0 and a warning naming the endpoint and the backend", r.code, r.stderr)
	}
}

// With --explain, the fallback is said once: the explain line, no
// warning besides.
func TestRunExplainImageWithoutEngineOneLine(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix:///nonexistent.sock")
	r := runCLI(t, "", "run", "--explain", "--image", "busybox", "--dir", t.TempDir(), "--", "true")
	if r.code != 0 || countLines(r.stderr) != 1 || !strings.HasPrefix(r.stderr, "corral: native was chosen: image busybox given but no engine answers at unix:///nonexistent.sock (DOCKER_HOST)") {
		t.Fatalf("code %d, stderr %q; want 0 and one explain line", r.code, r.stderr)
	}
}
