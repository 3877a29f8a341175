package base

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Benchmarks of the Nix backend (issue 7, item 8), each against its
// baseline in the same run: Start+Wait of true(1) wrapped (nix develop
// --command true) and materialised, against Native; Init with a cache
// miss and with a cache hit. docs/PERFORMANCE.md ("Nix backend") records
// the figures and the command.

// benchNix returns a Nix environment over the vars fixture, materialised
// or not, with CORRAL_HOME and the cache in temporary directories.
func benchNix(b *testing.B, materialise bool) *NixEnvironment {
	b.Helper()
	requireNix(b)
	b.Setenv("CORRAL_HOME", b.TempDir())
	env, err := NewNixEnvironment(context.Background(), nixFixture(b, "vars"))
	if err != nil {
		b.Fatal(err)
	}
	env.WithLogger(slog.New(slog.DiscardHandler))
	b.Cleanup(func() { env.Shutdown(context.Background()) })
	if materialise {
		if err := env.Init(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	return env
}

func benchRunIn(b *testing.B, env RunnerEnvironment, bin string) {
	p, err := env.NewProcess(bin)
	if err != nil {
		b.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkNixStart: one Start+Wait of true(1) natively, in the
// materialised shell, and wrapped in nix develop.
func BenchmarkNixStart(b *testing.B) {
	bin := benchTrue(b)
	b.Run("native", func(b *testing.B) {
		env := benchNative(b, "")
		for b.Loop() {
			benchNativeRun(b, env, bin)
		}
	})
	b.Run("materialised", func(b *testing.B) {
		env := benchNix(b, true)
		for b.Loop() {
			benchRunIn(b, env, bin)
		}
	})
	b.Run("wrapped", func(b *testing.B) {
		env := benchNix(b, false)
		for b.Loop() {
			benchRunIn(b, env, bin)
		}
	})
}

// BenchmarkNixStartRatio alternates Native and a Nix mode op by op and
// reports nix/native as "ratio" (target for materialised: ≤ 1.2).
func BenchmarkNixStartRatio(b *testing.B) {
	bin := benchTrue(b)
	for _, mode := range []string{"materialised", "wrapped"} {
		b.Run(mode, func(b *testing.B) {
			native := benchNative(b, "")
			nix := benchNix(b, mode == "materialised")
			var base, corral time.Duration
			for b.Loop() {
				t0 := time.Now()
				benchNativeRun(b, native, bin)
				t1 := time.Now()
				benchRunIn(b, nix, bin)
				corral += time.Since(t1)
				base += t1.Sub(t0)
			}
			benchReportRatio(b, base, corral)
		})
	}
}

// BenchmarkNixInit alternates an Init that misses the cache (its entry
// removed before the op: nix --version and nix print-dev-env run) and
// one that hits it (no nix runs), each on a new environment as a CLI run
// makes. "ratio" is hit/miss; "corral-ns/op" is the hit (target: under
// 5 ms), "base-ns/op" the miss.
func BenchmarkNixInit(b *testing.B) {
	requireNix(b)
	b.Setenv("CORRAL_HOME", b.TempDir())
	dir, cache := nixFixture(b, "vars"), filepath.Join(b.TempDir(), "cache")
	initOnce := func(b *testing.B) *NixEnvironment {
		env, err := NewNixEnvironment(context.Background(), dir)
		if err != nil {
			b.Fatal(err)
		}
		env.WithCacheDir(cache)
		env.WithLogger(slog.New(slog.DiscardHandler))
		if err := env.Init(context.Background()); err != nil {
			b.Fatal(err)
		}
		return env
	}
	initOnce(b) // the entry exists from here on
	entries := func() []string {
		m, _ := filepath.Glob(filepath.Join(cache, "*.json"))
		return m
	}
	var miss, hit time.Duration
	for b.Loop() {
		for _, e := range entries() {
			os.Remove(e)
		}
		t0 := time.Now()
		if env := initOnce(b); env.CacheHit() {
			b.Fatal("Init hit a removed entry")
		}
		t1 := time.Now()
		if env := initOnce(b); !env.CacheHit() {
			b.Fatal("Init missed a fresh entry")
		}
		hit += time.Since(t1)
		miss += t1.Sub(t0)
	}
	benchReportRatio(b, miss, hit)
}
