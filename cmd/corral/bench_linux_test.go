package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// BenchmarkCLIRunTrue is the CLI's own cost (issue 12, item 2): the built
// corral running `run -- /bin/true` against /bin/true run bare, as whole
// processes, alternated run by run so that the machine's load hits both.
// It reports each side's median and the difference (target: within 3 ms),
// the difference with --no-guardian (no guardian process started), and
// the median of `corral --help`, which runs no command: what Go's
// start-up, the package initialisers and cobra cost before corral does
// any work. It runs for the default build (cgo on where a C compiler is,
// so a dynamically linked binary, because net and os/user use libc) and
// for a static one (CGO_ENABLED=0), which the README recommends.
func BenchmarkCLIRunTrue(b *testing.B) {
	builds := []struct {
		name string
		bin  func(testing.TB) string
	}{{"default-build", corralBinary}, {"static-build", staticCorralBinary}}
	for _, build := range builds {
		b.Run(build.name, func(b *testing.B) {
			benchCLIRunTrue(b, build.bin(b))
		})
	}
}

func benchCLIRunTrue(b *testing.B, bin string) {
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
	var bare, help, corral, unguarded []time.Duration
	for b.Loop() {
		bare = append(bare, run("/bin/true"))
		help = append(help, run(bin, "--help"))
		corral = append(corral, run(bin, "run", "--", "/bin/true"))
		unguarded = append(unguarded, run(bin, "run", "--no-guardian", "--", "/bin/true"))
	}
	med := func(ds []time.Duration) float64 {
		slices.Sort(ds)
		return float64(ds[len(ds)/2]) / float64(time.Millisecond)
	}
	mb, mh, mc, mu := med(bare), med(help), med(corral), med(unguarded)
	b.ReportMetric(mb, "bare-p50-ms")
	b.ReportMetric(mh, "help-p50-ms")
	b.ReportMetric(mc, "corral-p50-ms")
	b.ReportMetric(mc-mb, "extra-ms")
	b.ReportMetric(mu-mb, "extra-no-guardian-ms")
}

// staticCorralBinary builds corral once with CGO_ENABLED=0, next to the
// default build.
func staticCorralBinary(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(filepath.Dir(corralBinary(t)), "corral-static")
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=0 go build: %v\n%s", err, out)
	}
	return bin
}
