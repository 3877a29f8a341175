package main

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"time"
)

// runtimeInfo is what doctor found of one runtime. path is "" when it is
// not in PATH; err is set when its version could not be read.
type runtimeInfo struct {
	name, path, version string
	err                 error
}

// versionTimeout bounds one version command, so a wedged tool cannot
// hang doctor.
const versionTimeout = 5 * time.Second

var versionPattern = regexp.MustCompile(`[0-9]+(\.[0-9]+)+`)

// lookupRuntime finds name in PATH and reads its version: `go version`,
// `<name> --version` for the others, the first dotted number printed.
func lookupRuntime(ctx context.Context, name string) runtimeInfo {
	info := runtimeInfo{name: name}
	path, err := exec.LookPath(name)
	if err != nil {
		return info
	}
	info.path = path
	args := []string{"--version"}
	if name == "go" {
		args = []string{"version"}
	}
	ctx, cancel := context.WithTimeout(ctx, versionTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.WaitDelay = time.Second // a child holding our pipe must not keep us
	out, err := cmd.Output()
	if err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		info.err = err
		return info
	}
	v := versionPattern.FindString(string(out))
	if v == "" {
		line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
		if len(line) > 60 {
			line = line[:60] + "…"
		}
		info.err = fmt.Errorf("no version number in %q", line)
		return info
	}
	info.version = v
	return info
}
