//go:build linux

package base

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Stop benchmarks of issue 3 (item 6), with their baseline in the same
// run; see bench_test.go for the conventions. The reaper's sweep, the
// other benchmark of that issue, is portable and lives in bench_test.go.

// benchTreeScript starts a tree of 50 processes that all obey SIGTERM: the
// shell and 49 sleeps. It prints "ready" once every sleep is forked.
const benchTreeScript = `i=0; while [ $i -lt 49 ]; do sleep 3600 & i=$((i+1)); done; echo ready; wait`

const benchTreeSize = 50

// benchTree is one started 50-process tree, ready to be stopped.
type benchTree interface {
	stop(b *testing.B)
}

// bareTree is the baseline: the tree in a process group of its own,
// stopped with kill(-pgid, SIGTERM); it is gone when every member closed
// its end of the stdout pipe (they all hold one, so EOF means all exited)
// and the shell was reaped.
type bareTree struct {
	cmd *exec.Cmd
	out *bufio.Reader
	r   *os.File
	sig syscall.Signal // what stops it
}

func startBareTree(b *testing.B) benchTree {
	return startBareScript(b, benchTreeScript, syscall.SIGTERM)
}

// startBareScript starts sh -c script in a process group of its own, its
// stdout a pipe every member holds, waits for its "ready" line, and
// returns it as a tree that sig stops.
func startBareScript(b *testing.B, script string, sig syscall.Signal) benchTree {
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	r, w, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stdout = w
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	w.Close()
	out := bufio.NewReader(r)
	if line, err := out.ReadString('\n'); line != "ready\n" {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		b.Fatalf("tree said %q, %v", line, err)
	}
	return &bareTree{cmd: cmd, out: out, r: r, sig: sig}
}

func (t *bareTree) stop(b *testing.B) {
	if err := syscall.Kill(-t.cmd.Process.Pid, t.sig); err != nil {
		b.Fatal(err)
	}
	if _, err := t.out.ReadString(0); err == nil {
		b.Fatal("tree output did not end")
	}
	t.cmd.Wait()
	t.r.Close()
}

// nativeTree is the tree as a NativeProc, stopped with Stop.
type nativeTree struct{ p Proc }

func startNativeTree(b *testing.B, env *NativeEnvironment) benchTree {
	return startNativeScript(b, env, benchTreeScript, 30*time.Second)
}

// startNativeScript starts sh -c script in env and waits, at most within,
// for it to print "ready".
func startNativeScript(b *testing.B, env *NativeEnvironment, script string, within time.Duration) benchTree {
	p, err := env.NewProcess("/bin/sh", "-c", script)
	if err != nil {
		b.Fatal(err)
	}
	ready := newBenchLineSignal("ready")
	p.WithOutput(ready)
	if err := p.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	if !ready.waitFor(within) {
		p.Stop(context.Background())
		b.Fatalf("tree not ready after %v", within)
	}
	return &nativeTree{p: p}
}

func (t *nativeTree) stop(b *testing.B) {
	if err := t.p.Stop(context.Background()); err != nil {
		b.Fatal(err)
	}
}

// benchLineSignal closes seen at the first line equal to want.
type benchLineSignal struct {
	want string
	seen chan struct{}
	done bool
}

func newBenchLineSignal(want string) *benchLineSignal {
	return &benchLineSignal{want: want, seen: make(chan struct{})}
}

// waitFor reports whether the line was seen within d.
func (l *benchLineSignal) waitFor(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-l.seen:
		return true
	case <-t.C:
		return false
	}
}

// Write is called by one goroutine at a time (lineWriter's contract).
func (l *benchLineSignal) Write(p []byte) (int, error) {
	if !l.done && strings.TrimSpace(string(p)) == l.want {
		l.done = true
		close(l.seen)
	}
	return len(p), nil
}

// benchStopOnce starts a tree (not timed), stops it (timed) and returns
// the stop's duration.
func benchStopOnce(b *testing.B, start func() benchTree) time.Duration {
	b.StopTimer()
	t := start()
	b.StartTimer()
	t0 := time.Now()
	t.stop(b)
	d := time.Since(t0)
	b.StopTimer()
	return d
}

// reportP50 reports the median of ds in milliseconds as "p50-ms".
func reportP50(b *testing.B, name string, ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	p50 := s[len(s)/2]
	b.ReportMetric(float64(p50)/float64(time.Millisecond), name)
	return p50
}

// BenchmarkStop measures Stop of a 50-process tree that obeys SIGTERM,
// from the call to the moment no process of the tree is left: bare is a
// group kill of the same tree started with exec.Cmd; native and
// native-pgroup are NativeProc.Stop in the host's default containment and
// in a process group. Target: median under 50 ms.
func BenchmarkStop(b *testing.B) {
	b.Run("bare", func(b *testing.B) {
		var ds []time.Duration
		for i := 0; i < b.N; i++ {
			ds = append(ds, benchStopOnce(b, func() benchTree { return startBareTree(b) }))
		}
		reportP50(b, "p50-ms", ds)
	})
	for _, c := range []struct {
		name        string
		containment ContainmentKind
	}{{"native", ""}, {"native-pgroup", ContainmentPgroup}} {
		b.Run(c.name, func(b *testing.B) {
			env := benchNative(b, c.containment) // default grace: never waited out, the tree obeys SIGTERM
			var ds []time.Duration
			for i := 0; i < b.N; i++ {
				ds = append(ds, benchStopOnce(b, func() benchTree { return startNativeTree(b, env) }))
			}
			reportP50(b, "p50-ms", ds)
		})
	}
}

// BenchmarkStopRatio alternates bare and native stops of the tree and
// reports the ratio of their medians, and each median.
func BenchmarkStopRatio(b *testing.B) {
	for _, c := range []struct {
		name        string
		containment ContainmentKind
	}{{"default", ""}, {"pgroup", ContainmentPgroup}} {
		b.Run(c.name, func(b *testing.B) {
			env := benchNative(b, c.containment)
			var bare, native []time.Duration
			for i := 0; i < b.N; i++ {
				bare = append(bare, benchStopOnce(b, func() benchTree { return startBareTree(b) }))
				native = append(native, benchStopOnce(b, func() benchTree { return startNativeTree(b, env) }))
			}
			pb := reportP50(b, "base-p50-ms", bare)
			pn := reportP50(b, "corral-p50-ms", native)
			if pb > 0 {
				b.ReportMetric(float64(pn)/float64(pb), "ratio")
			}
		})
	}
}
