//go:build linux

package base

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Benchmarks of issue 3 (item 6), with their baselines in the same run;
// see bench_test.go for the conventions.

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
}

func startBareTree(b *testing.B) benchTree {
	cmd := exec.Command("/bin/sh", "-c", benchTreeScript)
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
		b.Fatalf("tree said %q, %v", line, err)
	}
	return &bareTree{cmd: cmd, out: out, r: r}
}

func (t *bareTree) stop(b *testing.B) {
	if err := syscall.Kill(-t.cmd.Process.Pid, syscall.SIGTERM); err != nil {
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
	p, err := env.NewProcess("/bin/sh", "-c", benchTreeScript)
	if err != nil {
		b.Fatal(err)
	}
	ready := newBenchLineSignal("ready")
	p.WithOutput(ready)
	if err := p.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	select {
	case <-ready.seen:
	case <-time.After(30 * time.Second):
		b.Fatal("tree not ready after 30s")
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
	for _, c := range []struct{ name, containment string }{{"native", ""}, {"native-pgroup", containPgroup}} {
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
	for _, c := range []struct{ name, containment string }{{"default", ""}, {"pgroup", containPgroup}} {
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

// ---- the reaper's sweep ----

const benchStaleRecords = 1000

// benchGonePID is above the largest PID Linux hands out (2^22): no
// process has it, nor the PIDs just below it.
const benchGonePID = 1 << 30

// benchGoneOwner owns every stale record the benchmarks write.
var benchGoneOwner = procIdentity{PID: benchGonePID, Start: 1}

// benchWriteStale writes n records of trees that are long gone: owners and
// leaders with PIDs no process has, cgroups that do not exist. kind is
// containCgroup, containPgroup, or "mixed" (half each).
func benchWriteStale(b *testing.B, store *recordStore, kind string, n int) {
	boot, err := bootID()
	if err != nil {
		b.Fatal(err)
	}
	owner := benchGoneOwner
	for i := range n {
		k := kind
		if kind == "mixed" {
			k = []string{containCgroup, containPgroup}[i%2]
		}
		tree := newTreeID(owner, uint64(i+1))
		rec := &record{
			Version: recordVersion, Tree: tree, Containment: k, Owner: owner, Boot: boot,
			UID: os.Getuid(), Name: "gone", Grace: time.Second, Created: time.Now().UTC(),
		}
		if k == containCgroup {
			rec.Cgroup = filepath.Join("/nonexistent", cgroupDirName, tree)
		} else {
			rec.Leader = procIdentity{PID: benchGonePID - 1 - i, Start: 1}
		}
		if err := store.write(rec); err != nil {
			b.Fatal(err)
		}
	}
}

// benchBareSweep is the baseline: the least any sweep must do with the
// same records, read, decode and delete each file.
func benchBareSweep(b *testing.B, dir string) int {
	entries, err := os.ReadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		var r record
		if err := json.Unmarshal(data, &r); err != nil {
			b.Fatal(err)
		}
		if err := os.Remove(path); err != nil {
			b.Fatal(err)
		}
		n++
	}
	return n
}

func benchReap(b *testing.B) int {
	rep, err := Reap(context.Background(), ReapOptions{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	if len(rep.SetAside) != 0 {
		b.Fatalf("set aside: %v", rep.SetAside)
	}
	// Count only our records: the sweep may also meet orphaned cgroups of
	// other processes on the machine.
	prefix := newTreeID(benchGoneOwner, 0)
	prefix = prefix[:len(prefix)-1]
	n := 0
	for _, r := range rep.Reaped {
		if strings.HasPrefix(r.Tree, prefix) {
			n++
		}
	}
	return n
}

var benchSweepKinds = []string{containCgroup, containPgroup, "mixed"}

// BenchmarkReapSweep measures one Reap over 1000 records of dead trees
// (target: under 1 s), per kind of record, and the bare baseline.
func BenchmarkReapSweep(b *testing.B) {
	b.Setenv(homeEnv, b.TempDir())
	store, err := openRecordStore()
	if err != nil {
		b.Fatal(err)
	}
	sweep := func(b *testing.B, kind string, run func() int) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			benchWriteStale(b, store, kind, benchStaleRecords)
			b.StartTimer()
			if n := run(); n != benchStaleRecords {
				b.Fatalf("swept %d records, want %d", n, benchStaleRecords)
			}
		}
	}
	b.Run("bare", func(b *testing.B) { sweep(b, "mixed", func() int { return benchBareSweep(b, store.dir) }) })
	for _, kind := range benchSweepKinds {
		b.Run(kind, func(b *testing.B) { sweep(b, kind, func() int { return benchReap(b) }) })
	}
}

// BenchmarkReapSweepRatio alternates the bare sweep and Reap over 1000
// mixed records and reports Reap/bare as "ratio".
func BenchmarkReapSweepRatio(b *testing.B) {
	b.Setenv(homeEnv, b.TempDir())
	store, err := openRecordStore()
	if err != nil {
		b.Fatal(err)
	}
	var base, corral time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		benchWriteStale(b, store, "mixed", benchStaleRecords)
		b.StartTimer()
		t0 := time.Now()
		if n := benchBareSweep(b, store.dir); n != benchStaleRecords {
			b.Fatalf("bare swept %d", n)
		}
		base += time.Since(t0)
		b.StopTimer()
		benchWriteStale(b, store, "mixed", benchStaleRecords)
		b.StartTimer()
		t1 := time.Now()
		if n := benchReap(b); n != benchStaleRecords {
			b.Fatalf("Reap swept %d", n)
		}
		corral += time.Since(t1)
	}
	benchReportRatio(b, base, corral)
}

