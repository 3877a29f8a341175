//go:build linux

package base

import (
	"context"
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
)

// Bounded memory for unbounded lines (issue 11, item 6).

// benchLongLineBytes is what the child writes, with no newline at all.
const benchLongLineBytes = 1 << 30

// BenchmarkLongLineMemory has a child write 1 GiB without a newline and
// reports the supervisor's peak resident set growth while it is
// forwarded (VmHWM, reset before each side through /proc/self/clear_refs):
// corral's, with the default line cap (DefaultMaxLineLength, 64 MiB),
// against io.Copy of the same output by exec.Cmd, in the same op.
func BenchmarkLongLineMemory(b *testing.B) {
	head, err := exec.LookPath("head")
	if err != nil {
		b.Skip("no head(1) here")
	}
	args := []string{"-c", strconv.Itoa(benchLongLineBytes), "/dev/zero"}
	env := benchNative(b, "")
	var bare, corral int64
	for b.Loop() {
		bare += benchPeakGrowth(b, func() {
			w := &benchCounter{}
			cmd := exec.Command(head, args...)
			cmd.Stdout = w
			if err := cmd.Run(); err != nil {
				b.Fatal(err)
			}
			benchCheck(b, w, benchLongLineBytes)
		})
		corral += benchPeakGrowth(b, func() {
			w := &benchCounter{}
			p, err := env.NewProcess(head, args...)
			if err != nil {
				b.Fatal(err)
			}
			p.WithOutput(w)
			if err := p.Run(context.Background()); err != nil {
				b.Fatal(err)
			}
			benchCheck(b, w, benchLongLineBytes)
		})
	}
	mib := func(v int64) float64 { return float64(v) / float64(b.N) / (1 << 20) }
	b.ReportMetric(mib(bare), "base-peak-MiB")
	b.ReportMetric(mib(corral), "corral-peak-MiB")
}

// benchPeakGrowth runs f and returns how far this process's peak
// resident set rose above its resident set before f.
func benchPeakGrowth(b *testing.B, f func()) int64 {
	debug.FreeOSMemory()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Skipf("cannot reset the peak resident set: %v", err)
	}
	before := benchStatusBytes(b, "VmRSS:")
	f()
	return benchStatusBytes(b, "VmHWM:") - before
}

// benchStatusBytes reads a "kB" field of /proc/self/status in bytes.
func benchStatusBytes(b *testing.B, field string) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				b.Fatalf("%s %q: %v", field, rest, err)
			}
			return kb << 10
		}
	}
	b.Fatalf("no %s in /proc/self/status", field)
	return 0
}
