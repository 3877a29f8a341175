package base

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/corralrun/corral/resources"
)

// Errors returned by the runtime checks; check them with errors.Is.
var (
	// ErrRuntimeMissing is wrapped by the error of CheckForRuntimes when a
	// runtime is not in PATH, too old, or its version cannot be read, and
	// by CheckPythonPath when there is no Python.
	ErrRuntimeMissing = errors.New("base: runtime missing or too old")
	// ErrInvalidRuntime is wrapped by the error of CheckForRuntimes when a
	// requirement itself is wrong: an empty name, or a MinVersion without
	// a version number in it.
	ErrInvalidRuntime = errors.New("base: invalid runtime requirement")
)

// versionTimeout bounds one version command, so a wedged tool cannot hang
// a check.
const versionTimeout = 5 * time.Second

// CheckForRuntimes checks that every runtime in requirements is installed:
// its command is in PATH and, when MinVersion is set, the first version
// number the command prints ("go version", or "<name> --version" for every
// other runtime) is at least MinVersion. A requirement without MinVersion
// runs nothing. The runtime "python" is looked up as python3, then python.
//
// Go versions compare as the go command does (go/version): "1.22" is met
// by go1.22.0 and later, not by go1.22rc1; "1.22rc1" by go1.22rc1 and
// later. Every other runtime's versions compare as semantic versions,
// missing components counting as 0 ("1.10" is above "1.9"; "1.22" is met
// by "1.22.0"), a prerelease below its release ("21.0.0-nightly" and
// Python's "3.13.0a1" do not meet 21.0.0 and 3.13), build metadata
// ("+dfsg1") and components past the third ignored.
//
// Nil requirements are skipped. A requirement with an empty name or a
// MinVersion holding no number fails the call at once with an error
// wrapping ErrInvalidRuntime, before anything runs. Otherwise every
// runtime is checked and one error, wrapping ErrRuntimeMissing, names
// each one that failed with the version wanted, the version found (or
// "not found") and how to install it. Each version command runs under
// ctx and at most 5 seconds; when ctx ends, the error wraps ctx.Err().
func CheckForRuntimes(ctx context.Context, requirements []*resources.Runtime) error {
	if err := validateRuntimes(requirements); err != nil {
		return err
	}
	host := currentHost()
	var problems []string
	for _, req := range requirements {
		if req == nil {
			continue
		}
		problem, err := checkRuntime(ctx, req)
		if err != nil {
			return fmt.Errorf("check runtime %q: %w", req.Name, err)
		}
		if problem != "" {
			problems = append(problems, fmt.Sprintf("%s (install: %s)", problem, installHint(req.Name, host)))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrRuntimeMissing, strings.Join(problems, "; "))
	}
	return nil
}

// validateRuntimes rejects requirements that no host could meet.
func validateRuntimes(requirements []*resources.Runtime) error {
	for i, req := range requirements {
		switch {
		case req == nil:
		case req.Name == "":
			return fmt.Errorf("%w: requirement %d: empty name", ErrInvalidRuntime, i)
		case req.MinVersion != "":
			if _, ok := schemeFor(req.Name).parse(req.MinVersion); !ok {
				return fmt.Errorf("%w: %q: min version %q holds no version number", ErrInvalidRuntime, req.Name, req.MinVersion)
			}
		}
	}
	return nil
}

// checkRuntime returns why req is not met, or "" when it is. Its error is
// only ctx's: the check could not finish.
func checkRuntime(ctx context.Context, req *resources.Runtime) (problem string, err error) {
	want := "any version"
	if req.MinVersion != "" {
		want = ">= " + req.MinVersion
	}
	path, ok := lookRuntime(req.Name)
	if !ok {
		return fmt.Sprintf("%s: want %s, not found in PATH", req.Name, want), nil
	}
	if req.MinVersion == "" {
		return "", nil
	}
	scheme := schemeFor(req.Name)
	found, err := runtimeVersion(ctx, req.Name, path, scheme)
	if err != nil && ctx.Err() != nil {
		return "", ctx.Err()
	}
	if err != nil {
		return fmt.Sprintf("%s: want %s, found %s with unreadable version: %v", req.Name, want, path, err), nil
	}
	wanted, _ := scheme.parse(req.MinVersion) // validated before
	if !scheme.atLeast(found, wanted) {
		return fmt.Sprintf("%s: want %s, found %s at %s", req.Name, want, scheme.display(found), path), nil
	}
	return "", nil
}

// RuntimeVersion finds the runtime name in PATH and reads its version
// as CheckForRuntimes does ("python" is python3, else python). path is ""
// when name is not in PATH, with a nil error. version is in the form
// versions compare in: Go's own for go ("go1.22rc1"), a semantic version
// without its "v" for the others ("21.0.0-nightly20231010abc", "3.13.0-a1"
// for Python's 3.13.0a1). err says why the version could not be read; it
// wraps ctx.Err() when ctx ended first.
func RuntimeVersion(ctx context.Context, name string) (path, version string, err error) {
	path, ok := lookRuntime(name)
	if !ok {
		return "", "", nil
	}
	scheme := schemeFor(name)
	v, err := runtimeVersion(ctx, name, path, scheme)
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%s: %w", name, ctx.Err())
		}
		return path, "", err
	}
	return path, scheme.display(v), nil
}

// lookRuntime returns the path of the command that provides name.
func lookRuntime(name string) (string, bool) {
	candidates := []string{name}
	if name == "python" {
		candidates = []string{"python3", "python"}
	}
	for _, c := range candidates {
		if path, err := exec.LookPath(c); err == nil {
			return path, true
		}
	}
	return "", false
}

// runtimeVersion runs the version command of the runtime name, installed
// at path, and parses its output with scheme.
func runtimeVersion(ctx context.Context, name, path string, scheme versionScheme) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, versionTimeout)
	defer cancel()
	args := versionArgs(name)
	cmd := exec.CommandContext(ctx, path, args...)
	// A tool that leaves a child holding its output must not keep us
	// waiting past the kill: give up on the pipes a second later.
	cmd.WaitDelay = time.Second
	out, err := cmd.CombinedOutput()
	if err != nil && ctx.Err() != nil {
		err = ctx.Err() // the kill's "signal: killed" would hide why
	}
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	v, ok := scheme.parse(string(out))
	if !ok {
		return "", fmt.Errorf("%s %s printed no version number: %q", name, strings.Join(args, " "), firstLine(string(out)))
	}
	return v, nil
}

// versionArgs returns the arguments that make runtime name print its
// version.
func versionArgs(name string) []string {
	if name == "go" {
		return []string{"version"}
	}
	return []string{"--version"}
}

// firstLine returns s up to its first newline, at most 80 bytes of it.
func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 80 {
		s = s[:80]
	}
	return s
}

// CheckPythonPath returns the path of python3 in PATH, else of python.
// With neither, its error wraps ErrRuntimeMissing and says how to install
// Python.
func CheckPythonPath() (string, error) {
	if path, ok := lookRuntime("python"); ok {
		return path, nil
	}
	return "", fmt.Errorf("%w: python: neither python3 nor python in PATH (install: %s)", ErrRuntimeMissing, installHint("python", currentHost()))
}

// CheckNixInstalled reports whether nix is in PATH. It does not check
// that nix works.
func CheckNixInstalled() bool {
	_, err := exec.LookPath("nix")
	return err == nil
}

// IsNixSupported reports whether Nix runs on this operating system: Linux
// and macOS.
func IsNixSupported() bool {
	return nixSupported(runtime.GOOS)
}

func nixSupported(goos string) bool {
	return goos == "linux" || goos == "darwin"
}

// NixInstallCommand returns a shell command line (for bash or zsh) that
// installs Nix here with the official installer: the multi-user
// (daemon) install on macOS and on Linux with systemd, the single-user
// --no-daemon install on Linux without systemd, where the daemon could not
// be started. On Debian and its derivatives a trailing shell comment adds
// the packaged alternative, "apt-get install nix-bin". On an operating
// system Nix does not support, the text says so instead of giving a
// command.
func NixInstallCommand() string {
	return nixInstallCommand(currentHost())
}

// hostFacts is what the install hints depend on.
type hostFacts struct {
	goos    string
	systemd bool // systemd is the running init
	debian  bool // Debian or a derivative, so apt-get works
}

// currentHost reads the facts of this machine. systemd is detected as
// sd_booted(3) does, by /run/systemd/system being a directory.
func currentHost() hostFacts {
	h := hostFacts{goos: runtime.GOOS}
	if fi, err := os.Stat("/run/systemd/system"); err == nil && fi.IsDir() {
		h.systemd = true
	}
	if _, err := os.Stat("/etc/debian_version"); err == nil {
		h.debian = true
	}
	return h
}

// nixInstaller is the official installer, fetched over TLS only.
const nixInstaller = "sh <(curl --proto '=https' --tlsv1.2 -L https://nixos.org/nix/install)"

func nixInstallCommand(h hostFacts) string {
	var cmd string
	switch {
	case h.goos == "darwin":
		cmd = nixInstaller
	case h.goos == "linux" && h.systemd:
		cmd = nixInstaller + " --daemon"
	case h.goos == "linux":
		cmd = nixInstaller + " --no-daemon"
	default:
		return fmt.Sprintf("Nix does not run on %s; install it inside Linux (on Windows, in WSL)", h.goos)
	}
	if h.debian {
		cmd += " # or, on Debian: apt-get install nix-bin"
	}
	return cmd
}

// installHint returns a short, one-line way to install runtime name.
func installHint(name string, h hostFacts) string {
	debian := h.goos == "linux" && h.debian
	mac := h.goos == "darwin"
	pick := func(onDebian, onMac, elsewhere string) string {
		switch {
		case debian && onDebian != "":
			return onDebian + ", or " + elsewhere
		case mac && onMac != "":
			return onMac + ", or " + elsewhere
		}
		return elsewhere
	}
	switch name {
	case "go":
		return pick("apt-get install golang-go", "brew install go", "https://go.dev/dl")
	case "python", "python3":
		return pick("apt-get install python3", "brew install python", "https://www.python.org/downloads")
	case "node", "npm":
		return pick("apt-get install nodejs npm", "brew install node", "https://nodejs.org/en/download")
	case "rustc", "cargo":
		return "https://rustup.rs"
	case "docker":
		return pick("apt-get install docker.io", "", "https://docs.docker.com/get-docker")
	case "nix":
		return nixInstallCommand(h)
	}
	return "install " + name + " and put it in PATH"
}
