package main

import (
	"bytes"
	"math/rand/v2"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// procsWithArgv lists the live processes whose command line is argv.
func procsWithArgv(argv ...string) []int {
	want := []byte(strings.Join(argv, "\x00"))
	return procsWhose("cmdline", func(b []byte) bool { return bytes.Equal(bytes.TrimSuffix(b, []byte{0}), want) })
}

// A descendant that leaves the process group and clears its environment
// (setsid env -i) carries nothing corral could find it by; while corral
// runs, it is re-parented to corral, the child subreaper, when its parent
// dies, and corral kills it before it exits, whether the tree ended by a
// signal to corral or by its leader's exit (issue 11, item 1).
func TestE2EKillsAdoptedOrphans(t *testing.T) {
	for _, how := range []string{"signal", "leader exits"} {
		t.Run(how, func(t *testing.T) {
			e := newE2E(t, "CORRAL_CONTAINMENT=pgroup")
			secs := strconv.Itoa(3_000_000 + rand.IntN(1_000_000)) // this test's own sleep
			t.Cleanup(func() {
				for _, pid := range procsWithArgv("/bin/sleep", secs) {
					syscall.Kill(pid, syscall.SIGKILL)
				}
			})
			script := `setsid env -i /bin/sleep ` + secs + ` & echo ready; `
			if how == "signal" {
				script += `exec sleep 300`
			} else {
				script += `sleep 0.2`
			}
			cmd, _ := e.start("run", "--no-guardian", "--", "sh", "-c", script)
			eventually(t, 10*time.Second, "the escaper to start", func() bool { return len(procsWithArgv("/bin/sleep", secs)) == 1 })
			if how == "signal" {
				if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
					t.Fatal(err)
				}
			}
			e.wait(cmd, 20*time.Second)
			if left := procsWithArgv("/bin/sleep", secs); len(left) > 0 {
				t.Fatalf("the setsid env -i escaper %v outlived corral", left)
			}
		})
	}
}
