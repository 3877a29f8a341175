package procfs

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"slices"
	"syscall"
	"testing"
	"time"
)

func TestWalkAndEnvironOfAChild(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	cmd.Env = append(os.Environ(), "PROCFS_TEST=walk-1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })

	// The new environment shows once the kernel has finished the exec,
	// a moment after Start may return.
	for deadline := time.Now().Add(5 * time.Second); !EnvironHas(pid, "PROCFS_TEST=walk-1"); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the child's environment never showed its variable")
		}
	}
	if EnvironHas(pid, "PROCFS_TEST=walk") {
		t.Fatal("EnvironHas does not match the entry exactly")
	}
	if v, ok := EnvironValue(pid, "PROCFS_TEST"); !ok || v != "walk-1" {
		t.Fatalf("EnvironValue = %q, %v", v, ok)
	}
	if got := PIDsWithEnv("PROCFS_TEST=walk-1"); !slices.Equal(got, []int{pid}) {
		t.Fatalf("PIDsWithEnv = %v, want [%d]", got, pid)
	}
	if got := GroupMembers(pid, 0); !slices.Equal(got, []int{pid}) {
		t.Fatalf("GroupMembers = %v, want [%d]", got, pid)
	}
	info, err := InfoOf(pid)
	if err != nil || info.PGID != pid || info.UID != os.Getuid() || info.Start == 0 {
		t.Fatalf("InfoOf = %+v, %v", info, err)
	}
	procs, err := Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tree := TreeOf(os.Getpid(), procs); !slices.ContainsFunc(tree, func(s Stat) bool { return s.PID == pid }) {
		t.Fatal("TreeOf the test does not hold its child")
	}

	cmd.Process.Kill()
	deadline := time.Now().Add(10 * time.Second)
	for !slices.Contains(ZombieChildren(os.Getpid(), 0), pid) {
		if time.Now().After(deadline) {
			t.Fatal("the killed child never showed as a zombie child")
		}
		time.Sleep(time.Millisecond)
	}
	if _, err := StartTime(pid); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("StartTime of a zombie: %v, want an ErrNotExist", err)
	}
}

func TestBootIDAndNamespace(t *testing.T) {
	id, err := BootID()
	if err != nil || len(id) < 16 {
		t.Fatalf("BootID = %q, %v", id, err)
	}
	if PIDNamespace() == 0 {
		t.Fatal("no PID namespace inode")
	}
}
