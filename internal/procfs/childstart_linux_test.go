package procfs

import (
	"errors"
	"os"
	"os/exec"
	"testing"
	"time"
)

// TestChildStartTimeOfAZombie: once an unreaped child has exited,
// StartTime refuses it and ChildStartTime still gives its start time.
func TestChildStartTimeOfAZombie(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	pid := cmd.Process.Pid
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := ReadStat(pid)
		if err != nil {
			t.Fatalf("unreaped child %d: %v", pid, err)
		}
		if st.Dead() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("child %d did not become a zombie within 10s (state %c)", pid, st.State)
		}
		time.Sleep(time.Millisecond)
	}
	if _, err := StartTime(pid); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("StartTime(zombie) error = %v, want os.ErrNotExist", err)
	}
	got, err := ChildStartTime(pid)
	if err != nil {
		t.Fatalf("ChildStartTime(zombie): %v", err)
	}
	self, err := StartTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if got < self {
		t.Errorf("ChildStartTime = %d, before this test process started (%d)", got, self)
	}
}
