package base

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/corralrun/corral/internal/cgroup"
	"github.com/corralrun/corral/internal/procfs"
	"github.com/corralrun/corral/internal/records"
	"github.com/corralrun/corral/resources"
	"golang.org/x/sys/unix"
)

func init() {
	// probe-as-user prints the containment it detects; where it is a
	// cgroup, it also stops a tree with a setsid escaper and reports
	// whether anything was left.
	helpers["probe-as-user"] = func([]string) int {
		c := DetectContainment()
		fmt.Printf("%s %s\n", c.Kind, c.Where)
		if c.Kind != ContainmentCgroup {
			fmt.Println(c.Reason)
			return 0
		}
		left, err := stopEscaperTree()
		if err != nil {
			fmt.Println("error:", err)
			return 1
		}
		fmt.Printf("left %d\n", left)
		return 0
	}
}

// stopEscaperTree starts a tree whose child leaves its session, stops it,
// and returns how many of its processes are left.
func stopEscaperTree() (int, error) {
	ctx := context.Background()
	env, err := NewNativeEnvironment(ctx, ".")
	if err != nil {
		return 0, err
	}
	mark := "probe-" + strconv.Itoa(os.Getpid())
	p, err := env.NewProcess("sh", "-c", "setsid sleep 300 & sleep 300")
	if err != nil {
		return 0, err
	}
	p.WithEnvironmentVariables(ctx, resources.Env(markEnv, mark))
	if err := p.Start(ctx); err != nil {
		return 0, err
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(procfs.PIDsWithEnv(markEnv+"="+mark)) < 3 {
		if time.Now().After(deadline) {
			p.Stop(ctx)
			return 0, fmt.Errorf("tree did not start")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := p.Stop(ctx); err != nil {
		return 0, err
	}
	return len(procfs.PIDsWithEnv(markEnv + "=" + mark)), nil
}

// runProbeAs runs the probe-as-user helper as nobody, cloned into the
// cgroup dir (or, with dir "", where the test runs), and returns its
// output lines.
func runProbeAs(t *testing.T, dir string) []string {
	t.Helper()
	exe, scratch := faultSharedExe(t)
	cmd := exec.Command(exe)
	cmd.Dir = scratch
	cmd.Env = append(os.Environ(), helperEnv+"=probe-as-user", records.HomeEnv+"="+filepath.Join(scratch, "home"), "GORACE=atexit_sleep_ms=0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: faultNobody}
	if dir != "" {
		fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer unix.Close(fd)
		cmd.SysProcAttr.UseCgroupFD, cmd.SysProcAttr.CgroupFD = true, fd
	}
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("probe as nobody: %v\n%s", err, out)
	}
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

func requireRootCgroup2(t *testing.T) string {
	t.Helper()
	if os.Getuid() != 0 {
		requireOrSkip(t, "needs root to create another user's processes and cgroups")
	}
	mount := cgroup.Mount()
	if mount == "" || probeContainment().Kind != ContainmentCgroup {
		requireOrSkip(t, "no writable cgroup v2 hierarchy here")
	}
	return mount
}

// A user who may write no cgroup gets process groups, and is told why.
func TestContainmentWithoutWritableCgroup(t *testing.T) {
	requireRootCgroup2(t)
	lines := runProbeAs(t, "")
	if len(lines) < 2 || lines[0] != string(ContainmentPgroup)+" " || !strings.Contains(lines[1], "no writable cgroup v2 directory") {
		t.Fatalf("probe as nobody in root's cgroup said %q, want pgroup and the reason", lines)
	}
}

// A user whose own cgroup was delegated to it (as systemd does for a
// user session) gets cgroup containment there, and it holds a setsid
// escaper.
func TestContainmentInDelegatedSubtree(t *testing.T) {
	mount := requireRootCgroup2(t)
	deleg := filepath.Join(mount, fmt.Sprintf("corral-delegation-test-%d", os.Getpid()))
	if err := os.Mkdir(deleg, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cgroup.Kill(deleg)
		pollUntil(context.Background(), 5*time.Second, func() bool { e, _ := cgroup.Empty(deleg); return e })
		if err := cgroup.Remove(deleg); err != nil {
			t.Errorf("remove delegated cgroup: %v", err)
		}
	})
	// Delegation, as in the kernel's cgroup-v2 documentation: the
	// directory and its procs, threads and subtree_control files.
	for _, name := range []string{"", "cgroup.procs", "cgroup.threads", "cgroup.subtree_control"} {
		if err := os.Chown(filepath.Join(deleg, name), 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}
	lines := runProbeAs(t, deleg)
	want := string(ContainmentCgroup) + " " + filepath.Join(deleg, records.CgroupDirName)
	if len(lines) != 2 || lines[0] != want || lines[1] != "left 0" {
		t.Fatalf("probe as nobody in a delegated cgroup said %q, want %q and \"left 0\"", lines, want)
	}
}
