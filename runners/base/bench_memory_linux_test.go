//go:build linux

package base

import (
	"context"
	"os/exec"
	"runtime"
	"runtime/debug"
	"testing"
)

// Memory of issue 12 (item 4): what the supervisor holds per live tree.

// benchMemoryTrees is how many trees live at once in one process.
const benchMemoryTrees = 100

// BenchmarkTreeMemory starts benchMemoryTrees trees of sleep(1) in one
// process, each with an output writer (the usual way to run a service),
// and reports the growth of this process's resident set and Go heap per
// tree while they all live, corral's against exec.Cmd's with the same
// writer (the baseline, started and measured the same way in the same
// op), and their ratio. Each op starts and stops all the trees.
func BenchmarkTreeMemory(b *testing.B) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		b.Skip("no sleep(1) here")
	}
	env := benchNative(b, "")
	var bareRSS, corralRSS, bareHeap, corralHeap int64
	for b.Loop() {
		r, h := benchMemoryOf(b, func() func() { return startBareSleeps(b, sleep) })
		bareRSS, bareHeap = bareRSS+r, bareHeap+h
		r, h = benchMemoryOf(b, func() func() { return startNativeSleeps(b, env, sleep) })
		corralRSS, corralHeap = corralRSS+r, corralHeap+h
	}
	per := func(v int64) float64 { return float64(v) / float64(b.N) / benchMemoryTrees }
	b.ReportMetric(per(bareRSS), "base-rss-B/tree")
	b.ReportMetric(per(corralRSS), "corral-rss-B/tree")
	b.ReportMetric(per(bareHeap), "base-heap-B/tree")
	b.ReportMetric(per(corralHeap), "corral-heap-B/tree")
	b.ReportMetric(float64(corralRSS)/float64(b.N)/(1<<20), "corral-rss-MiB/100trees")
	if bareRSS > 0 {
		b.ReportMetric(float64(corralRSS)/float64(bareRSS), "rss-ratio")
	}
}

// benchMemoryOf measures the growth of the resident set and of the Go
// heap in use between before start and after it, with start's trees all
// alive, then stops them. The resident set is the whole process's (Go
// heap, goroutine stacks, runtime); the heap figure is the part that
// corral's own data structures make.
func benchMemoryOf(b *testing.B, start func() (stop func())) (rss, heap int64) {
	debug.FreeOSMemory() // so that the growth is not served from pages kept from before
	rss0, heap0 := benchRSS(b), benchHeapInUse()
	stop := start()
	runtime.GC()
	rss, heap = benchRSS(b)-rss0, benchHeapInUse()-heap0
	stop()
	return rss, heap
}

func startBareSleeps(b *testing.B, sleep string) func() {
	w := &benchCounter{}
	var cmds []*exec.Cmd
	for range benchMemoryTrees {
		cmd := exec.Command(sleep, "3600")
		cmd.Stdout, cmd.Stderr = w, w
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	return func() {
		for _, cmd := range cmds {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}
}

func startNativeSleeps(b *testing.B, env *NativeEnvironment, sleep string) func() {
	w := &benchCounter{}
	var procs []Proc
	stopAll := func() {
		for _, p := range procs {
			if err := p.Stop(context.Background()); err != nil {
				b.Error(err)
			}
		}
	}
	for range benchMemoryTrees {
		p, err := env.NewProcess(sleep, "3600")
		if err != nil {
			stopAll()
			b.Fatal(err)
		}
		p.WithOutput(w)
		if err := p.Start(context.Background()); err != nil {
			stopAll()
			b.Fatal(err)
		}
		procs = append(procs, p)
	}
	return stopAll
}

// benchRSS is this process's resident set in bytes (VmRSS).
func benchRSS(b *testing.B) int64 { return benchStatusBytes(b, "VmRSS:") }

func benchHeapInUse() int64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse)
}
