//go:build linux

package base

import (
	"strconv"
	"syscall"
	"testing"
	"time"
)

// Stop of a large tree that ignores SIGTERM (issue 11, item 10).

// largeTreeSize is the number of processes of the tree, its shell
// included.
const largeTreeSize = 1500

// largeTreeGrace is the grace period the tree waits out.
const largeTreeGrace = time.Second

// BenchmarkStopLargeTree stops a tree of largeTreeSize processes that
// all ignore SIGTERM, with a one-second grace period, in the host's
// default containment and in a process group, and reports the median
// time Stop took past the grace period (target: under 200 ms), and the
// median of the whole Stop. The baseline, bare, is what the kernel alone
// takes: the same tree in a process group of its own, killed with one
// kill(-pgid, SIGKILL), until every member is gone.
func BenchmarkStopLargeTree(b *testing.B) {
	script := `trap "" TERM; i=1; while [ $i -lt ` + strconv.Itoa(largeTreeSize) + ` ]; do sleep 3600 & i=$((i+1)); done; echo ready; wait`
	b.Run("bare-kill", func(b *testing.B) {
		var ds []time.Duration
		for i := 0; i < b.N; i++ {
			ds = append(ds, benchStopOnce(b, func() benchTree { return startBareScript(b, script, syscall.SIGKILL) }))
		}
		reportP50(b, "kill-p50-ms", ds)
	})
	for _, c := range []struct {
		name        string
		containment ContainmentKind
	}{{"default", ""}, {"pgroup", ContainmentPgroup}} {
		b.Run(c.name, func(b *testing.B) {
			env := benchNative(b, c.containment)
			env.WithGracePeriod(largeTreeGrace)
			var ds []time.Duration
			for i := 0; i < b.N; i++ {
				ds = append(ds, benchStopOnce(b, func() benchTree { return startNativeScript(b, env, script, 60*time.Second) }))
			}
			p50 := reportP50(b, "stop-p50-ms", ds)
			b.ReportMetric(float64(p50-largeTreeGrace)/float64(time.Millisecond), "past-grace-p50-ms")
		})
	}
}
