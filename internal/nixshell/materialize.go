package nixshell

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
)

// Shell is a materialised dev shell.
type Shell struct {
	// Vars are the shell's exported scalar variables, build-only ones
	// dropped. Lay them over a host environment with Overlay.
	Vars map[string]string
	// StorePath is the shell's store path (the profile's target), or ""
	// when nix did not say.
	StorePath string
}

// buildOnly are variables that describe the build of the shell, not the
// shell: a process run with them would write into a build directory that
// no longer exists, or see the shell's HOME=/homeless-shelter. The host's
// HOME, TMPDIR, TERM and USER are used instead (Overlay).
var buildOnly = map[string]bool{
	"TMPDIR": true, "TMP": true, "TEMP": true, "TEMPDIR": true,
	"PWD": true, "OLDPWD": true, "HOME": true, "TERM": true, "USER": true,
	"NIX_BUILD_TOP": true, "NIX_LOG_FD": true, "NIX_BUILD_CORES": true,
	"NIX_ENFORCE_PURITY": true, "NIX_REMOTE": true,
	"out": true, "outputs": true, "src": true, "name": true,
	"SHELL": true, "SHLVL": true, "PPID": true, "UID": true, "EUID": true,
	"BASHOPTS": true, "SHELLOPTS": true, "SSL_CERT_FILE": true, "TZ": true,
}

// hostKept are the host's variables that win over the shell's.
var hostKept = []string{"HOME", "TMPDIR", "TERM", "USER"}

// Materialize runs `nix print-dev-env --json` for the flake in dir
// (absolute). With profile non-empty, nix also makes profile a GC root of
// the shell (--profile). A flake that fails to evaluate or build gives an
// *Error carrying nix's message.
func (t *Tool) Materialize(ctx context.Context, dir, profile string) (*Shell, error) {
	args := []string{"print-dev-env", "--quiet", "--json"}
	if profile != "" {
		args = append(args, "--profile", profile)
	}
	args = append(args, FlakeRef(dir))
	tmp, err := TempDir()
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.CommandContext(ctx, t.Path, args...)
	cmd.Env = WithTempDir(os.Environ(), tmp)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("nix print-dev-env: %w", ctx.Err())
		}
		return nil, nixError(args, err, stderr.Bytes())
	}
	return ParseDevEnv(stdout.Bytes())
}

// ParseDevEnv parses the output of `nix print-dev-env --json`: exported
// scalar variables are kept, build-only ones dropped; arrays, unexported
// variables and bash functions are ignored.
func ParseDevEnv(b []byte) (*Shell, error) {
	var doc struct {
		Variables map[string]struct {
			Type  string          `json:"type"`
			Value json.RawMessage `json:"value"`
		} `json:"variables"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("nix print-dev-env: output is not the expected JSON: %w", err)
	}
	if doc.Variables == nil {
		return nil, fmt.Errorf("nix print-dev-env: output has no \"variables\"")
	}
	sh := &Shell{Vars: make(map[string]string)}
	for k, v := range doc.Variables {
		var s string
		if v.Type != "exported" || json.Unmarshal(v.Value, &s) != nil {
			continue
		}
		if k == "out" {
			sh.StorePath = s
		}
		if buildOnly[k] || !validKey(k) || strings.IndexByte(s, 0) >= 0 {
			continue
		}
		sh.Vars[k] = s
	}
	return sh, nil
}

func validKey(k string) bool { return k != "" && !strings.ContainsAny(k, "=\x00") }

// Overlay returns the variables a process sees on top of host (KEY=VALUE
// entries, such as os.Environ()), as `nix develop` gives them: the
// shell's variables, the host's HOME, TMPDIR, TERM and USER where set,
// and PATH as the shell's PATH followed by the host's. The maps given are
// not modified.
func Overlay(vars map[string]string, host []string) map[string]string {
	hostVal := func(key string) (string, bool) {
		for i := len(host) - 1; i >= 0; i-- {
			if k, v, ok := strings.Cut(host[i], "="); ok && k == key {
				return v, true
			}
		}
		return "", false
	}
	out := make(map[string]string, len(vars)+len(hostKept))
	for k, v := range vars {
		out[k] = v
	}
	for _, k := range hostKept {
		if v, ok := hostVal(k); ok {
			out[k] = v
		}
	}
	if hp, ok := hostVal("PATH"); ok && hp != "" {
		if sp, ok := out["PATH"]; ok && sp != "" {
			out["PATH"] = sp + ":" + hp
		} else {
			out["PATH"] = hp
		}
	}
	return out
}

// Environ returns host with the overlay's variables replacing or adding
// to it, as KEY=VALUE entries: the inherited environment of a process run
// in the materialised shell.
func Environ(host []string, overlay map[string]string) []string {
	out := make([]string, 0, len(host)+len(overlay))
	for _, kv := range host {
		k, _, _ := strings.Cut(kv, "=")
		if _, ok := overlay[k]; !ok {
			out = append(out, kv)
		}
	}
	keys := make([]string, 0, len(overlay))
	for k := range overlay {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		out = append(out, k+"="+overlay[k])
	}
	return out
}
