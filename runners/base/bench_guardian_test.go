package base

import (
	"context"
	"testing"
	"time"
)

// BenchmarkGuardianStart measures what WithGuardian costs a Start+Wait of
// true(1), against the same without a guardian, alternated op by op
// (ratio = guarded / unguarded):
//
//	first   no other guarded tree runs, so each guarded op starts a
//	        guardian (fork and exec of this binary) and ends it (SIGKILL,
//	        wait): the worst case, a program running one short command
//	        at a time.
//	shared  a guarded tree runs throughout, so the guardian exists
//	        already: what every further concurrent tree pays.
func BenchmarkGuardianStart(b *testing.B) {
	bin := benchTrue(b)
	for _, shared := range []bool{false, true} {
		name := "first"
		if shared {
			name = "shared"
		}
		b.Run(name, func(b *testing.B) {
			plain := benchNative(b, "")
			guarded, err := NewNativeEnvironment(context.Background(), b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			guarded.WithGuardian(true)
			if shared {
				benchHoldGuardian(b, guarded)
			}
			var without, with time.Duration
			for b.Loop() {
				t0 := time.Now()
				benchNativeRun(b, plain, bin)
				t1 := time.Now()
				benchNativeRun(b, guarded, bin)
				with += time.Since(t1)
				without += t1.Sub(t0)
			}
			benchReportRatio(b, without, with)
		})
	}
}

// benchHoldGuardian starts a guarded tree that runs until the benchmark
// ends, so that its guardian outlives every op.
func benchHoldGuardian(b *testing.B, env *NativeEnvironment) {
	b.Helper()
	p, err := env.NewProcess("sleep", "3600")
	if err != nil {
		b.Fatal(err)
	}
	if err := p.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { p.Stop(context.Background()) })
}
