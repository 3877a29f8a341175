package companion_test

import (
	"context"
	"log/slog"
	"sort"
	"testing"
	"time"

	"github.com/corralrun/corral/internal/proctest"
	"github.com/corralrun/corral/runners/base"
	"github.com/corralrun/corral/runners/companion"
	"github.com/corralrun/corral/runners/docker"
)

// BenchmarkCompanionRunTrue: what the companion adds to a native run of
// `true` (its choice, in a directory without flake.nix or image, and its
// wrapper), against the same run on a NativeEnvironment made directly, op
// by op in the same loop. Reports both medians and ratio = companion /
// native.
func BenchmarkCompanionRunTrue(b *testing.B) {
	b.Setenv("CORRAL_HOME", b.TempDir())
	dir := b.TempDir()
	ctx := context.Background()
	quiet := slog.New(slog.DiscardHandler)
	var direct, viaCompanion []time.Duration
	for b.Loop() {
		t0 := time.Now()
		env, err := base.NewNativeEnvironment(ctx, dir)
		if err != nil {
			b.Fatal(err)
		}
		env.WithLogger(quiet)
		runTrue(b, env)
		t1 := time.Now()
		r, err := companion.NewCompanionRunner(ctx, companion.CompanionOpts{SourceDir: dir, Logger: quiet})
		if err != nil {
			b.Fatal(err)
		}
		runTrue(b, r)
		direct, viaCompanion = append(direct, t1.Sub(t0)), append(viaCompanion, time.Since(t1))
	}
	d, c := median(direct), median(viaCompanion)
	b.ReportMetric(float64(d.Microseconds()), "native-p50-µs")
	b.ReportMetric(float64(c.Microseconds()), "companion-p50-µs")
	b.ReportMetric(float64(c)/float64(d), "ratio")
}

func runTrue(b *testing.B, env base.RunnerEnvironment) {
	ctx := context.Background()
	if err := env.Init(ctx); err != nil {
		b.Fatal(err)
	}
	p, err := env.NewProcess("true")
	if err != nil {
		b.Fatal(err)
	}
	if err := p.Run(ctx); err != nil {
		b.Fatal(err)
	}
	if err := env.Shutdown(ctx); err != nil {
		b.Fatal(err)
	}
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// BenchmarkChooseDocker: the automatic choice with an image on a running
// engine (resolve the endpoint, connect, ping, ask the version), against
// docker.EngineRunning (resolve, connect, ping), op by op. Reports both
// medians and ratio = choice / ping.
func BenchmarkChooseDocker(b *testing.B) {
	ctx := context.Background()
	if !docker.EngineRunning(ctx) {
		proctest.SkipOrFail(b, "no Docker engine (bash scripts/services/docker.sh start)")
	}
	img := testImage(b)
	dir := b.TempDir()
	quiet := slog.New(slog.DiscardHandler)
	var ping, choose []time.Duration
	for b.Loop() {
		t0 := time.Now()
		if !docker.EngineRunning(ctx) {
			b.Fatal("engine stopped answering")
		}
		t1 := time.Now()
		c, err := companion.Choose(ctx, companion.CompanionOpts{SourceDir: dir, Image: img, Logger: quiet})
		if err != nil || c.Backend != companion.Docker {
			b.Fatalf("Choose = %+v, %v", c, err)
		}
		ping, choose = append(ping, t1.Sub(t0)), append(choose, time.Since(t1))
	}
	p, c := median(ping), median(choose)
	b.ReportMetric(float64(p.Microseconds()), "ping-p50-µs")
	b.ReportMetric(float64(c.Microseconds()), "choose-p50-µs")
	b.ReportMetric(float64(c)/float64(p), "ratio")
}
