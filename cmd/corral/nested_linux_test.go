package main

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// SIGTERM to an outer corral run whose command runs an inner one stops
// the inner tree too, in every pairing of containments, and leaves no
// record behind (issue 11, item 7).
func TestE2ENestedCorralStops(t *testing.T) {
	for _, outer := range []string{"cgroup", "pgroup"} {
		for _, inner := range []string{"cgroup", "pgroup"} {
			t.Run(outer+"/"+inner, func(t *testing.T) {
				e := newE2E(t, "CORRAL_CONTAINMENT="+containmentValue(outer))
				marker := newMarker(t)
				killMarked(t, marker)
				// The inner tree ignores SIGTERM and the inner corral waits
				// longer than the outer one: the outer kill ends the inner
				// corral before it could stop its own tree.
				innerCmd := `CORRAL_CONTAINMENT=` + containmentValue(inner) + ` "$0" run --grace 5s -- sh -c 'trap "" TERM; sleep 300 & sleep 300 & echo ready; wait'`
				cmd, _ := e.start("run", "--grace", "300ms", "-e", markerEnv+"="+marker, "--", "sh", "-c", innerCmd, e.bin)
				eventually(t, 20*time.Second, "the inner tree to start", func() bool { return len(markedProcs(marker)) >= 5 })
				if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
					t.Fatal(err)
				}
				e.wait(cmd, 20*time.Second)
				eventually(t, 10*time.Second, "every process of both trees to be gone", func() bool { return len(markedProcs(marker)) == 0 })
				runs, _ := filepath.Glob(filepath.Join(e.home, "runs", "*.json"))
				if len(runs) > 0 {
					var names []string
					for _, r := range runs {
						names = append(names, filepath.Base(r))
					}
					t.Fatalf("records left behind: %s", strings.Join(names, ", "))
				}
			})
		}
	}
}

// containmentValue is CORRAL_CONTAINMENT's value for a containment: empty
// for the host's default (a cgroup here).
func containmentValue(c string) string {
	if c == "cgroup" {
		return ""
	}
	return c
}
