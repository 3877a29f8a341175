package cgroup

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestCgroup2MountPoint(t *testing.T) {
	for _, tc := range []struct {
		line string
		want string
		ok   bool
	}{
		{"35 25 0:30 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw", "/sys/fs/cgroup", true},
		{"36 30 0:31 / /sys/fs/cgroup/unified rw shared:9 - cgroup2 none rw,nsdelegate", "/sys/fs/cgroup/unified", true},
		{"37 30 0:32 /sub /mnt/cg rw - cgroup2 none rw", "", false}, // not the root of the hierarchy
		{"38 30 0:33 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory", "", false},
		{"40 30 0:34 / /mnt/my\\040cg\\134x rw - cgroup2 none rw", "/mnt/my cg\\x", true}, // escaped space and backslash
		{"41 30 0:35 / /mnt/a\u00a0b rw - cgroup2 none rw", "/mnt/a\u00a0b", true},        // white space the kernel does not escape
		{"garbage", "", false},
	} {
		got, ok := cgroup2MountPoint(tc.line)
		if got != tc.want || ok != tc.ok {
			t.Errorf("cgroup2MountPoint(%q) = %q, %v; want %q, %v", tc.line, got, ok, tc.want, tc.ok)
		}
	}
}

// writable returns a fresh directory under the probed corral cgroup
// directory, or skips (fails under CI=true) when there is none.
func writable(t *testing.T) string {
	t.Helper()
	p := Probe("corral")
	if p.Where == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and no writable cgroup: %s", p.Reason)
		}
		t.Skip(p.Reason)
	}
	dir := filepath.Join(p.Where, "test-"+strconv.Itoa(os.Getpid()), "1.2.3")
	t.Cleanup(func() { Kill(dir); Remove(filepath.Dir(dir)) })
	return dir
}

func TestTreeCgroupLifecycle(t *testing.T) {
	path := writable(t)
	fd, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := Mark(path); err != nil {
		t.Fatal(err)
	}
	if !IsTree(path, "1.2.3", "") || IsTree(path, "9.9.9", "") {
		t.Fatal("IsTree does not follow the mark")
	}
	cmd := exec.Command("sh", "-c", "setsid sleep 30 & sleep 30")
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	unix.Close(fd)
	defer cmd.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for {
		pids, _ := Procs(path)
		if len(pids) >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("members %v, want the shell and its setsid child", pids)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if !Contains(path, cmd.Process.Pid) || Contains(path, os.Getpid()) {
		t.Fatal("Contains is wrong about the leader or the test")
	}
	if empty, err := Empty(path); err != nil || empty {
		t.Fatalf("Empty = %v, %v with members", empty, err)
	}
	if RemoveIfEmpty(path) {
		t.Fatal("a populated cgroup was removed")
	}
	if err := Kill(path); err != nil {
		t.Fatal(err)
	}
	for {
		if empty, _ := Empty(path); empty {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("cgroup still populated after cgroup.kill")
		}
		time.Sleep(time.Millisecond)
	}
	if err := Remove(path); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("cgroup still there after Remove: %v", err)
	}
	if err := Remove(path); err != nil {
		t.Fatalf("second Remove: %v", err)
	}
}

func TestUnmarkedEmpty(t *testing.T) {
	path := writable(t)
	fd, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	unix.Close(fd)
	if !IsUnmarkedEmpty(path) {
		t.Fatal("a fresh unmarked cgroup is not IsUnmarkedEmpty")
	}
	if err := Mark(path); err != nil {
		t.Fatal(err)
	}
	if IsUnmarkedEmpty(path) {
		t.Fatal("a marked cgroup is IsUnmarkedEmpty")
	}
	if IsTree(os.TempDir(), "1.2.3", "") {
		t.Fatal("a plain directory is a tree cgroup")
	}
}

func TestWatchWakesWhenEmptied(t *testing.T) {
	path := writable(t)
	fd, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sleep", "30")
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	unix.Close(fd)
	defer cmd.Wait()
	changed, stop, err := Watch(path)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if err := Kill(path); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(10 * time.Second)
	for {
		select {
		case <-changed:
		case <-deadline:
			t.Fatal("no change event 10 s after cgroup.kill")
		}
		if empty, _ := Empty(path); empty {
			break
		}
	}
	stop()
	stop() // a second stop is harmless
	if _, ok := <-changed; ok {
		t.Fatal("channel still open after stop")
	}
}

// SignalOutsideGroup reaches the member that left the leader's group and
// leaves the group's members to the caller.
func TestSignalOutsideGroup(t *testing.T) {
	path := writable(t)
	fd, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", "-c", "trap '' TERM; setsid sleep 30 & while :; do sleep 0.05; done")
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd, Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	unix.Close(fd)
	defer func() { Kill(path); cmd.Wait() }()
	leader := cmd.Process.Pid
	var escaper int
	deadline := time.Now().Add(10 * time.Second)
	for escaper == 0 {
		pids, _ := Procs(path)
		for _, pid := range pids {
			if g, err := unix.Getpgid(pid); err == nil && g != leader {
				escaper = pid
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the setsid child never showed")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := SignalOutsideGroup(path, leader, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for Contains(path, escaper) {
		if time.Now().After(deadline) {
			t.Fatal("the member outside the group survived its signal")
		}
		time.Sleep(time.Millisecond)
	}
	if !Contains(path, leader) {
		t.Fatal("the group's leader was signalled too")
	}
}
