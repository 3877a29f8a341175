package base

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/corralrun/corral/internal/lines"
	"github.com/corralrun/corral/internal/records"
)

// Benchmarks of issue 2 (item 7: start, line forwarding) and issue 3
// (item 6: the reaper's sweep here, Stop in bench_linux_test.go). Each
// compares corral with what a program would do without it, in the same
// run: the sub-benchmarks give each side alone, and the *Ratio benchmarks
// alternate the two sides op by op, so that drift in the machine's load
// hits both, and report corral/baseline as the "ratio" metric.
// docs/PERFORMANCE.md records the figures and the command.
//
// The sweep benchmarks come last in this file on purpose: they create and
// delete tens of thousands of files, which slows file creation for
// minutes on a journal-less ext4 (see docs/PERFORMANCE.md), and would
// skew the start benchmarks if they ran first.

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
func benchNative(b *testing.B, containment ContainmentKind) *NativeEnvironment {
	b.Helper()
	return benchNativeIn(b, containment, b.TempDir())
}

// benchTmpfsHome returns a temporary directory on tmpfs (/dev/shm), or
// skips where there is none.
func benchTmpfsHome(b *testing.B) string {
	b.Helper()
	dir, err := os.MkdirTemp("/dev/shm", "corral-bench-")
	if err != nil {
		b.Skipf("no tmpfs at /dev/shm: %v", err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func benchNativeIn(b *testing.B, containment ContainmentKind, home string) *NativeEnvironment {
	b.Helper()
	b.Setenv(records.HomeEnv, home)
	b.Setenv(containmentEnv, string(containment))
	env, err := NewNativeEnvironment(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	return env
}

func benchBareRun(b *testing.B, bin string) { benchBareRunTo(b, bin, nil) }

// benchBareRunTo runs bin with exec.Cmd, its stdout and stderr going to w
// when w is not nil (through a pipe and a copying goroutine each, as
// os/exec does for a writer that is not a file).
func benchBareRunTo(b *testing.B, bin string, w io.Writer) {
	cmd := exec.Command(bin)
	if w != nil {
		cmd.Stdout, cmd.Stderr = w, w
	}
	if err := cmd.Run(); err != nil {
		b.Fatal(err)
	}
}

func benchNativeRun(b *testing.B, env *NativeEnvironment, bin string) {
	benchNativeRunTo(b, env, bin, nil)
}

// benchNativeRunTo runs bin in env, its output going to w when w is not
// nil.
func benchNativeRunTo(b *testing.B, env *NativeEnvironment, bin string, w io.Writer) {
	p, err := env.NewProcess(bin)
	if err != nil {
		b.Fatal(err)
	}
	if w != nil {
		p.WithOutput(w)
	}
	if err := p.Run(context.Background()); err != nil {
		b.Fatal(err)
	}
}

// startVariants are the native sides of the start benchmarks: the host's
// default containment with CORRAL_HOME in the temporary directory (the
// figure the target applies to), the same with CORRAL_HOME on tmpfs (to
// separate corral's own cost from the file system's), process groups, and
// the default with an output writer (both sides: exec.Cmd's Stdout and
// Stderr set to the same writer, against WithOutput).
var startVariants = []benchStartVariant{
	{"native", "", false, false},
	{"native+writer", "", false, true},
	{"native-tmpfs-home", "", true, false},
	{"native-pgroup", ContainmentPgroup, false, false},
}

type benchStartVariant struct {
	name        string
	containment ContainmentKind
	tmpfs       bool // CORRAL_HOME on tmpfs
	writer      bool // both sides send the output to a writer
}

// sink is where the variant's output goes: nil without a writer.
func (v benchStartVariant) sink() io.Writer {
	if !v.writer {
		return nil
	}
	return &benchCounter{}
}

// BenchmarkStart measures one Start+Wait of true(1): bare is exec.Cmd.Run,
// the others NativeProc.Run (containment, record, supervision), see
// startVariants.
func BenchmarkStart(b *testing.B) {
	bin := benchTrue(b)
	b.Run("bare", func(b *testing.B) {
		for b.Loop() {
			benchBareRun(b, bin)
		}
	})
	b.Run("bare+writer", func(b *testing.B) {
		w := &benchCounter{}
		for b.Loop() {
			benchBareRunTo(b, bin, w)
		}
	})
	for _, v := range startVariants {
		b.Run(v.name, func(b *testing.B) {
			env := benchStartEnv(b, v)
			w := v.sink()
			for b.Loop() {
				benchNativeRunTo(b, env, bin, w)
			}
		})
	}
}

func benchStartEnv(b *testing.B, v benchStartVariant) *NativeEnvironment {
	home := b.TempDir()
	if v.tmpfs {
		home = benchTmpfsHome(b)
	}
	return benchNativeIn(b, v.containment, home)
}

// BenchmarkStartRatio alternates bare and native runs of true(1) and
// reports native/bare as "ratio" (target: at most 1.3), with each side's
// own time per op.
func BenchmarkStartRatio(b *testing.B) {
	bin := benchTrue(b)
	for _, v := range startVariants {
		b.Run(v.name, func(b *testing.B) {
			env := benchStartEnv(b, v)
			w := v.sink()
			var bare, native time.Duration
			for b.Loop() {
				t0 := time.Now()
				benchBareRunTo(b, bin, w)
				t1 := time.Now()
				benchNativeRunTo(b, env, bin, w)
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
	lines.Forward(r, lines.NewWriter(&c))
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

// ---- the reaper's sweep (issue 3) ----

const benchStaleRecords = 1000

// benchGonePID is above the largest PID Linux hands out (2^22): no
// process has it, nor the PIDs just below it.
const benchGonePID = 1 << 30

// benchGoneOwner owns every stale record the benchmarks write.
var benchGoneOwner = records.Identity{PID: benchGonePID, Start: 1}

// benchStalePool holds, outside the runs directory, n records of trees
// that are long gone: owners and leaders with PIDs no process has, cgroups
// that do not exist. kind is ContainmentCgroup, ContainmentPgroup, or "mixed"
// (half each). Each op hard-links them into the runs directory: a link
// allocates no inode, so the setup neither dominates the run nor leaves
// the file system full of freshly deleted inodes (which slows every file
// creation for minutes on a journal-less ext4, see docs/PERFORMANCE.md).
// The sweep then removes a name, not an inode: on ext4 that is at most
// some 15 µs per record cheaper than removing the last link, a few
// percent of the figure.
type benchStalePool struct {
	dir   string
	names []string
}

func newBenchStalePool(b *testing.B, store *records.Store, kind string, n int) *benchStalePool {
	b.Helper()
	boot, err := records.BootID()
	if err != nil {
		b.Fatal(err)
	}
	pool := &benchStalePool{dir: filepath.Join(store.Home(), "pool-"+kind)}
	if err := os.Mkdir(pool.dir, 0o700); err != nil {
		b.Fatal(err)
	}
	owner := benchGoneOwner
	for i := range n {
		k := kind
		if kind == "mixed" {
			k = []string{string(ContainmentCgroup), string(ContainmentPgroup)}[i%2]
		}
		tree := records.TreeID(owner, uint64(i+1))
		rec := &records.Record{
			Version: records.Version, Tree: tree, Containment: ContainmentKind(k), Owner: owner, OwnerNS: records.PIDNamespace(), Boot: boot,
			UID: os.Getuid(), Name: "gone", Grace: time.Second, Created: time.Now().UTC(),
		}
		if k == string(ContainmentCgroup) {
			rec.Cgroup = records.CgroupPath(filepath.Join("/nonexistent", records.CgroupDirName), store.Home(), tree)
		} else {
			rec.Leader = records.Identity{PID: benchGonePID - 1 - i, Start: 1}
		}
		data, err := rec.Encode()
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(pool.dir, rec.FileName()), data, 0o600); err != nil {
			b.Fatal(err)
		}
		pool.names = append(pool.names, rec.FileName())
	}
	return pool
}

// plant links every record of the pool into the runs directory.
func (p *benchStalePool) plant(b *testing.B, store *records.Store) {
	for _, name := range p.names {
		if err := os.Link(filepath.Join(p.dir, name), filepath.Join(store.Dir(), name)); err != nil {
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
		var r records.Record
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
		b.Fatalf("%d records set aside, the first: %v", len(rep.SetAside), rep.SetAside[0])
	}
	// Count only our records: the sweep may also meet orphaned cgroups of
	// other processes on the machine.
	prefix := records.TreeID(benchGoneOwner, 0)
	prefix = prefix[:len(prefix)-1]
	n := 0
	for _, r := range rep.Reaped {
		if strings.HasPrefix(r.Tree, prefix) {
			n++
		}
	}
	return n
}

var benchSweepKinds = []string{string(ContainmentCgroup), string(ContainmentPgroup), "mixed"}

// BenchmarkReapSweep measures one Reap over 1000 records of dead trees
// (target: under 1 s), per kind of record, and the bare baseline.
func BenchmarkReapSweep(b *testing.B) {
	b.Setenv(records.HomeEnv, b.TempDir())
	store, err := records.Open()
	if err != nil {
		b.Fatal(err)
	}
	pools := map[string]*benchStalePool{}
	for _, kind := range benchSweepKinds {
		pools[kind] = newBenchStalePool(b, store, kind, benchStaleRecords)
	}
	sweep := func(b *testing.B, kind string, run func() int) {
		p := pools[kind]
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			p.plant(b, store)
			b.StartTimer()
			if n := run(); n != benchStaleRecords {
				b.Fatalf("swept %d records, want %d", n, benchStaleRecords)
			}
		}
	}
	b.Run("bare", func(b *testing.B) { sweep(b, "mixed", func() int { return benchBareSweep(b, store.Dir()) }) })
	for _, kind := range benchSweepKinds {
		b.Run(kind, func(b *testing.B) { sweep(b, kind, func() int { return benchReap(b) }) })
	}
}

// BenchmarkReapSweepRatio alternates the bare sweep and Reap over 1000
// mixed records and reports Reap/bare as "ratio".
func BenchmarkReapSweepRatio(b *testing.B) {
	b.Setenv(records.HomeEnv, b.TempDir())
	store, err := records.Open()
	if err != nil {
		b.Fatal(err)
	}
	p := newBenchStalePool(b, store, "mixed", benchStaleRecords)
	b.ResetTimer()
	var base, corral time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		p.plant(b, store)
		b.StartTimer()
		t0 := time.Now()
		if n := benchBareSweep(b, store.Dir()); n != benchStaleRecords {
			b.Fatalf("bare swept %d", n)
		}
		base += time.Since(t0)
		b.StopTimer()
		p.plant(b, store)
		b.StartTimer()
		t1 := time.Now()
		if n := benchReap(b); n != benchStaleRecords {
			b.Fatalf("Reap swept %d", n)
		}
		corral += time.Since(t1)
	}
	benchReportRatio(b, base, corral)
}
