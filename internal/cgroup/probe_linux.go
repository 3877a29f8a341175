package cgroup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// ProbeResult is where trees can be contained, or why they cannot.
type ProbeResult struct {
	// Where is the writable corral cgroup directory; "" when none was
	// found.
	Where string
	// Reason says why: where the hierarchy is and how trees are stopped,
	// or what was tried and what would make cgroups usable.
	Reason string
}

// Probe finds a place, a directory called name in a cgroup, where this process may create cgroups and clone
// children into them: its own cgroup, else the nearest writable ancestor
// (a user's delegated subtree). It clones one short-lived child into a
// test cgroup, since write access alone does not prove the kernel will
// accept the move (delegation rules, cgroup.kill support). Callers cache
// the result.
func Probe(name string) ProbeResult {
	mount := Mount()
	if mount == "" {
		return ProbeResult{Reason: "no cgroup v2 hierarchy is mounted; mount one (unified or hybrid mode) to contain setsid and double-fork escapers"}
	}
	own, err := Own("self")
	if err != nil {
		return ProbeResult{Reason: "cannot read /proc/self/cgroup: " + err.Error()}
	}
	var tried []string
	for rel := own; ; rel = filepath.Dir(rel) {
		dir := filepath.Join(mount, rel, name)
		if err := probeDir(dir); err == nil {
			return ProbeResult{Where: dir, Reason: "cgroup v2 at " + mount + " is writable; trees are stopped with cgroup.kill"}
		} else {
			tried = append(tried, dir+": "+err.Error())
		}
		if rel == "/" || rel == "." || rel == "" {
			break
		}
	}
	return ProbeResult{Reason: "no writable cgroup v2 directory (" + strings.Join(tried, "; ") + "); run as root or under a systemd user session with delegation"}
}

// ProbePrefix starts the name of the test cgroup a probe makes, followed
// by the prober's PID.
const ProbePrefix = "probe."

func probeDir(dir string) error {
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	probe := filepath.Join(dir, ProbePrefix+strconv.Itoa(os.Getpid()))
	if err := os.Mkdir(probe, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	defer os.Remove(probe)
	if _, err := os.Stat(filepath.Join(probe, "cgroup.kill")); err != nil {
		return errors.New("kernel has no cgroup.kill (needs Linux 5.14)")
	}
	fd, err := unix.Open(probe, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	bin, err := exec.LookPath("true")
	if err != nil {
		bin = "/bin/true"
	}
	cmd := exec.Command(bin)
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("clone into cgroup: %w", err)
	}
	return nil
}
