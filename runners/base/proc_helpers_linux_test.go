package base

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/corralrun/corral/internal/procfs"
)

// markEnv is set in every process a supervision test starts, to a value
// unique to the test, so the test can find every process of its tree in
// /proc, wherever it went, and prove none is left.
const markEnv = "CORRAL_TEST_MARK"

func init() {
	helpers["proc-hang"] = func([]string) int {
		fmt.Println("ready")
		select {}
	}
	helpers["proc-ignore-term"] = func([]string) int {
		signal.Ignore(syscall.SIGTERM)
		fmt.Println("ready")
		select {}
	}
	// proc-tree starts children of the given kinds, waits until each is
	// ready, says "ready" and blocks. Kinds: ignore (ignores SIGTERM),
	// setsid (a new session), doublefork (orphaned grandchild), sleep.
	helpers["proc-tree"] = func(args []string) int {
		for _, kind := range args {
			if err := startTreeChild(kind); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
		}
		fmt.Println("ready")
		select {}
	}
	// proc-fork-exit starts a hanging grandchild and exits once it is
	// ready: the grandchild is orphaned.
	helpers["proc-fork-exit"] = func([]string) int {
		if err := startTreeChild("sleep"); err != nil {
			return 1
		}
		return 0
	}
}

// startTreeChild starts one helper child of the given kind and waits for
// its ready line.
func startTreeChild(kind string) error {
	helper, attr := "proc-hang", &syscall.SysProcAttr{}
	switch kind {
	case "ignore":
		helper = "proc-ignore-term"
	case "setsid":
		attr.Setsid = true
	case "doublefork":
		helper = "proc-fork-exit"
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), helperEnv+"="+helper)
	cmd.SysProcAttr = attr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	if kind == "doublefork" {
		return cmd.Wait() // exits once its own child is ready
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "ready\n" {
		return fmt.Errorf("child %s: %q, %v", kind, line, err)
	}
	return nil
}

// newMark returns a marker value unique to t, and registers a cleanup
// that kills any process still carrying it, failing the test if one is
// found: a leak is a bug, but it must not outlive the test.
func newMark(t *testing.T) string {
	t.Helper()
	mark := fmt.Sprintf("%s-%d-%d", strings.ReplaceAll(t.Name(), "/", "_"), os.Getpid(), time.Now().UnixNano())
	t.Cleanup(func() {
		if left := waitMarkedGone(mark, 5*time.Second); len(left) > 0 {
			for _, pid := range left {
				syscall.Kill(pid, syscall.SIGKILL)
			}
			t.Errorf("processes left behind by the test: %v", left)
		}
	})
	return mark
}

// markedPids lists live processes (zombies excluded) carrying mark.
func markedPids(mark string) []int { return procfs.PIDsWithEnv(markEnv + "=" + mark) }

// waitMarkedGone polls until no process carries mark or d has passed, and
// returns those still there.
func waitMarkedGone(mark string, d time.Duration) []int {
	deadline := time.Now().Add(d)
	for {
		left := markedPids(mark)
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitMarked polls until at least n processes carry mark.
func waitMarked(t *testing.T, mark string, n int) []int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		pids := markedPids(mark)
		if len(pids) >= n {
			return pids
		}
		if time.Now().After(deadline) {
			t.Fatalf("want %d processes marked %s, found %v", n, mark, pids)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// testCtx is a context bounded for one test.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}
