package main

import (
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"
)

// BenchmarkCLIRunTrue is the CLI's own cost (issue 12, item 2): the built
// corral running `run -- /bin/true` against /bin/true run bare, as whole
// processes, alternated run by run so that the machine's load hits both.
// It reports each side's median and the difference (target: within 3 ms).
func BenchmarkCLIRunTrue(b *testing.B) {
	bin := corralBinary(b)
	home := b.TempDir()
	run := func(name string, args ...string) time.Duration {
		cmd := exec.Command(name, args...)
		cmd.Env = append(os.Environ(), "CORRAL_HOME="+home)
		start := time.Now()
		if err := cmd.Run(); err != nil {
			b.Fatalf("%s %v: %v", name, args, err)
		}
		return time.Since(start)
	}
	run(bin, "run", "--", "/bin/true") // the first run makes the home and the probe cache
	var bare, corral []time.Duration
	for b.Loop() {
		bare = append(bare, run("/bin/true"))
		corral = append(corral, run(bin, "run", "--", "/bin/true"))
	}
	med := func(ds []time.Duration) float64 {
		slices.Sort(ds)
		return float64(ds[len(ds)/2]) / float64(time.Millisecond)
	}
	mb, mc := med(bare), med(corral)
	b.ReportMetric(mb, "bare-p50-ms")
	b.ReportMetric(mc, "corral-p50-ms")
	b.ReportMetric(mc-mb, "extra-ms")
}
