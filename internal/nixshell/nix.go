package nixshell

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/corralrun/corral/internal/atomicfile"
	"github.com/corralrun/corral/internal/records"
)

// InstallHint is what a user can do when nix is missing.
const InstallHint = "install nix (Debian: apt-get install nix-bin; elsewhere: sh <(curl -L https://nixos.org/nix/install) --daemon)"

// FlakesSetting is the nix.conf line (or NIX_CONFIG value) that enables
// what corral uses.
const FlakesSetting = "experimental-features = nix-command flakes"

// ErrNotFound is returned by Find when no nix binary is in PATH.
var ErrNotFound = errors.New("nix: not found in PATH")

// ErrFlakesDisabled is returned by CheckFlakes when nix-command or flakes
// is not enabled.
var ErrFlakesDisabled = errors.New("nix: flakes are not enabled")

// Tool is one nix binary. Its methods are safe for concurrent use.
type Tool struct {
	// Path is the absolute path of the nix binary as found in PATH.
	Path string
}

// Find looks nix up in PATH. It runs nothing.
func Find() (*Tool, error) {
	p, err := exec.LookPath("nix")
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, InstallHint)
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return nil, fmt.Errorf("nix: %w", err)
	}
	return &Tool{Path: abs}, nil
}

// Identity names this binary without running it: its resolved path, size
// and modification time. An upgrade of nix changes it.
func (t *Tool) Identity() (string, error) {
	real, err := filepath.EvalSymlinks(t.Path)
	if err != nil {
		return "", fmt.Errorf("nix binary %s: %w", t.Path, err)
	}
	fi, err := os.Stat(real)
	if err != nil {
		return "", fmt.Errorf("nix binary %s: %w", t.Path, err)
	}
	return fmt.Sprintf("%s\x00%d\x00%d", real, fi.Size(), fi.ModTime().UnixNano()), nil
}

// Version runs `nix --version` and returns the version ("2.8.0").
func (t *Tool) Version(ctx context.Context) (string, error) {
	out, err := t.output(ctx, "--version")
	if err != nil {
		return "", err
	}
	fields := strings.Fields(string(out))
	if len(fields) == 0 {
		return "", fmt.Errorf("nix --version: empty output")
	}
	return fields[len(fields)-1], nil
}

// CheckFlakes reports whether nix-command and flakes are enabled in the
// configuration nix sees (nix.conf, NIX_CONFIG), by asking nix itself
// (`nix show-config`, which itself needs nix-command). It returns an
// error wrapping ErrFlakesDisabled that says which setting to add.
func (t *Tool) CheckFlakes(ctx context.Context) error {
	out, err := t.output(ctx, "show-config")
	if err != nil {
		return err
	}
	for _, l := range strings.Split(string(out), "\n") {
		k, v, ok := strings.Cut(l, "=")
		if !ok || strings.TrimSpace(k) != "experimental-features" {
			continue
		}
		if slices.Contains(strings.Fields(v), "flakes") {
			return nil
		}
	}
	return fmt.Errorf("%w (flakes missing): add %q to ~/.config/nix/nix.conf or /etc/nix/nix.conf, or set it in NIX_CONFIG",
		ErrFlakesDisabled, FlakesSetting)
}

// output runs nix with args and returns its stdout; a failure carries
// nix's own stderr.
func (t *Tool) output(ctx context.Context, args ...string) ([]byte, error) {
	tmp, err := TempDir()
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.CommandContext(ctx, t.Path, args...)
	cmd.Env = WithTempDir(os.Environ(), tmp)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, nixError(args, err, stderr.Bytes())
	}
	return stdout.Bytes(), nil
}

// nixError makes one error of a failed nix run: nix's own message when
// it printed one, else how it failed.
func nixError(args []string, err error, stderr []byte) error {
	name := "nix"
	if len(args) > 0 {
		name = "nix " + args[0]
	}
	msg := nixMessage(stderr)
	if msg == "" {
		return fmt.Errorf("%s: %w", name, err)
	}
	if strings.Contains(msg, "experimental Nix feature") && strings.Contains(msg, "is disabled") {
		return fmt.Errorf("%w: add %q to ~/.config/nix/nix.conf or /etc/nix/nix.conf, or set it in NIX_CONFIG (nix said: %s)",
			ErrFlakesDisabled, FlakesSetting, firstLine(msg))
	}
	return &Error{Cmd: name, Stderr: msg, Err: err}
}

// Error is a nix run that failed; Stderr is nix's own text. It does not
// unwrap to Err, so that nix's exit status is never mistaken for the
// status of a program the caller runs.
type Error struct {
	Cmd    string // "nix print-dev-env"
	Stderr string // nix's message, trimmed
	Err    error  // how nix ended, usually an *exec.ExitError
}

func (e *Error) Error() string { return e.Cmd + ": " + e.Stderr }

// nixMessage trims nix's stderr to what explains a failure: progress
// lines ("building '…'…") and errors nix itself ignored are dropped.
func nixMessage(stderr []byte) string {
	var keep []string
	for _, l := range strings.Split(string(stderr), "\n") {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "building '") || strings.HasPrefix(t, "error (ignored)") || strings.HasPrefix(t, "warning: Git tree") {
			continue
		}
		keep = append(keep, strings.TrimRight(l, " \t\r"))
	}
	return strings.TrimSpace(strings.Join(keep, "\n"))
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// tempPrefix starts the name of every directory TempDir makes; the
// owner's PID namespace, PID and start time follow.
const tempPrefix = "corral-nix-"

var sweepTemps sync.Once

// TempDir makes a private temporary directory for one nix run, to be
// given as TMPDIR and removed afterwards. Its name holds the caller's
// identity, so that the first call in a process can remove the
// directories whose owner died before it could (killed in the middle of
// a run): only those of this PID namespace whose owner is provably gone.
func TempDir() (string, error) {
	sweepTemps.Do(func() { removeOrphanedTemps(os.TempDir()) })
	self, err := records.Self()
	if err != nil {
		return "", fmt.Errorf("nix: temporary directory: %w", err)
	}
	d, err := os.MkdirTemp("", fmt.Sprintf("%s%d-%d-%d-", tempPrefix, records.PIDNamespace(), self.PID, self.Start))
	if err != nil {
		return "", fmt.Errorf("nix: temporary directory: %w", err)
	}
	return d, nil
}

// removeOrphanedTemps removes the directories in dir that TempDir made
// for an owner of this PID namespace that no longer runs, when they are
// ours.
func removeOrphanedTemps(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	ns := records.PIDNamespace()
	for _, e := range entries {
		owner, ownerNS, ok := tempOwner(e.Name())
		if !ok || !e.IsDir() || ownerNS != ns || owner.Alive() {
			continue
		}
		if fi, err := e.Info(); err == nil && atomicfile.OwnedByUs(fi) {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}

// tempOwner parses the owner out of a name TempDir made.
func tempOwner(name string) (id records.Identity, ns uint64, ok bool) {
	rest, found := strings.CutPrefix(name, tempPrefix)
	if !found {
		return id, 0, false
	}
	f := strings.SplitN(rest, "-", 4)
	if len(f) != 4 {
		return id, 0, false
	}
	ns, err1 := strconv.ParseUint(f[0], 10, 64)
	pid, err2 := strconv.Atoi(f[1])
	start, err3 := strconv.ParseUint(f[2], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || pid <= 0 {
		return id, 0, false
	}
	return records.Identity{PID: pid, Start: start}, ns, true
}

// WithTempDir returns env with TMPDIR set to dir (and TMP, TEMP, TEMPDIR
// removed, so nix uses dir).
func WithTempDir(env []string, dir string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "TMPDIR", "TMP", "TEMP", "TEMPDIR":
			continue
		}
		out = append(out, kv)
	}
	return append(out, "TMPDIR="+dir)
}
