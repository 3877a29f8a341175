package base

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"testing"
	"time"
)

// Benchmarks of issue 2 (item 7). Each compares corral with what a program
// would do without it, in the same run: the sub-benchmarks give each side
// alone, and the *Ratio benchmarks alternate the two sides op by op, so
// that drift in the machine's load hits both, and report corral/baseline
// as the "ratio" metric. docs/PERFORMANCE.md records the figures.
//
//	go test -run '^$' -bench . -benchtime 2s -count 5 ./runners/base

// benchTrue is the absolute path of true(1), so that neither side pays a
// PATH lookup the other does not.
func benchTrue(b *testing.B) string {
	b.Helper()
	p, err := exec.LookPath("true")
	if err != nil {
		b.Skip("no true(1) here")
	}
	return p
}

// benchNative returns an environment whose records go to a temporary
// CORRAL_HOME, in the containment given ("" for the host's default).
func benchNative(b *testing.B, containment string) *NativeEnvironment {
	b.Helper()
	b.Setenv(homeEnv, b.TempDir())
	b.Setenv(containmentEnv, containment)
	env, err := NewNativeEnvironment(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	return env
}

func benchBareRun(b *testing.B, bin string) {
	if err := exec.Command(bin).Run(); err != nil {
		b.Fatal(err)
	}
}

func benchNativeRun(b *testing.B, env *NativeEnvironment, bin string) {
	p, err := env.NewProcess(bin)
	if err != nil {
		b.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkStart measures one Start+Wait of true(1): bare is exec.Cmd.Run,
// native is NativeProc.Run (containment, record, supervision) in the
// host's default containment, native-pgroup with CORRAL_CONTAINMENT=pgroup.
func BenchmarkStart(b *testing.B) {
	bin := benchTrue(b)
	b.Run("bare", func(b *testing.B) {
		for b.Loop() {
			benchBareRun(b, bin)
		}
	})
	for _, c := range []struct{ name, containment string }{{"native", ""}, {"native-pgroup", containPgroup}} {
		b.Run(c.name, func(b *testing.B) {
			env := benchNative(b, c.containment)
			for b.Loop() {
				benchNativeRun(b, env, bin)
			}
		})
	}
}

// BenchmarkStartRatio alternates bare and native runs of true(1) and
// reports native/bare as "ratio" (target: at most 1.3), with each side's
// own time per op.
func BenchmarkStartRatio(b *testing.B) {
	bin := benchTrue(b)
	for _, c := range []struct{ name, containment string }{{"default", ""}, {"pgroup", containPgroup}} {
		b.Run(c.name, func(b *testing.B) {
			env := benchNative(b, c.containment)
			b.Log("containment: ", env.Containment().Kind)
			var bare, native time.Duration
			for b.Loop() {
				t0 := time.Now()
				benchBareRun(b, bin)
				t1 := time.Now()
				benchNativeRun(b, env, bin)
				native += time.Since(t1)
				bare += t1.Sub(t0)
			}
			benchReportRatio(b, bare, native)
		})
	}
}

// benchReportRatio reports corral's time over the baseline's, and each
// per op.
func benchReportRatio(b *testing.B, base, corral time.Duration) {
	if base <= 0 {
		return
	}
	b.ReportMetric(float64(corral)/float64(base), "ratio")
	b.ReportMetric(float64(base.Nanoseconds())/float64(b.N), "base-ns/op")
	b.ReportMetric(float64(corral.Nanoseconds())/float64(b.N), "corral-ns/op")
}

// ---- line forwarding ----

// benchForwardBytes is what one op pushes through the pipe.
const benchForwardBytes = 1 << 20

// benchCounter is the sink of both sides: it counts, so that nothing is
// optimised away, and has no ReadFrom, so io.Copy cannot bypass it as it
// does io.Discard.
type benchCounter struct{ bytes, writes int64 }

func (c *benchCounter) Write(p []byte) (int, error) {
	c.bytes += int64(len(p))
	c.writes++
	return len(p), nil
}

// benchLines returns benchForwardBytes of lines of lineLen bytes each,
// newline included.
func benchLines(lineLen int) []byte {
	line := append(bytes.Repeat([]byte{'x'}, lineLen-1), '\n')
	return bytes.Repeat(line, benchForwardBytes/lineLen)
}

// benchPipe returns the read end of a pipe that a goroutine fills with
// payload and then closes. The goroutine ends when the payload is
// written, or when the reader is closed.
func benchPipe(b *testing.B, payload []byte) (*os.File, chan struct{}) {
	r, w, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Write(payload)
		w.Close()
	}()
	return r, done
}

// benchCopy is the baseline: io.Copy from the pipe into the counter.
func benchCopy(b *testing.B, payload []byte) {
	r, done := benchPipe(b, payload)
	var c benchCounter
	if _, err := io.Copy(&c, r); err != nil {
		b.Fatal(err)
	}
	r.Close()
	<-done
	benchCheck(b, &c, len(payload))
}

// benchForward is corral's path: forwardLines into a lineWriter, one
// Write per line.
func benchForward(b *testing.B, payload []byte) {
	r, done := benchPipe(b, payload)
	var c benchCounter
	forwardLines(r, &lineWriter{w: &c})
	r.Close()
	<-done
	benchCheck(b, &c, len(payload))
}

func benchCheck(b *testing.B, c *benchCounter, want int) {
	if c.bytes != int64(want) {
		b.Fatalf("sink got %d bytes, want %d", c.bytes, want)
	}
}

var benchLineLens = []struct {
	name string
	n    int
}{{"100B", 100}, {"4KiB", 4 << 10}}

// BenchmarkForward pushes 1 MiB of lines through a pipe: copy is io.Copy,
// lines is corral's line forwarding (one Write per line).
func BenchmarkForward(b *testing.B) {
	for _, l := range benchLineLens {
		payload := benchLines(l.n)
		b.Run(l.name+"/copy", func(b *testing.B) {
			b.SetBytes(int64(len(payload)))
			for b.Loop() {
				benchCopy(b, payload)
			}
		})
		b.Run(l.name+"/lines", func(b *testing.B) {
			b.SetBytes(int64(len(payload)))
			for b.Loop() {
				benchForward(b, payload)
			}
		})
	}
}

// BenchmarkForwardRatio alternates io.Copy and line forwarding over the
// same payload and reports lines/copy as "ratio" (target: at most 2).
func BenchmarkForwardRatio(b *testing.B) {
	for _, l := range benchLineLens {
		payload := benchLines(l.n)
		b.Run(l.name, func(b *testing.B) {
			b.SetBytes(2 * int64(len(payload)))
			var base, corral time.Duration
			for b.Loop() {
				t0 := time.Now()
				benchCopy(b, payload)
				t1 := time.Now()
				benchForward(b, payload)
				corral += time.Since(t1)
				base += t1.Sub(t0)
			}
			benchReportRatio(b, base, corral)
		})
	}
}
