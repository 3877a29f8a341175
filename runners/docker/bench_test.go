package docker

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"os/exec"
	"slices"
	"testing"
	"time"
)

// The benchmarks run corral and the docker CLI (the baseline, which the
// tests themselves never use) alternately on the same engine and image,
// and report both medians and their ratio: corral/cli, target ≤ 1.0.

func dockerCLI(b *testing.B) string {
	path, err := exec.LookPath("docker")
	if err != nil {
		skipOrFail(b, "no docker CLI for the baseline: %v", err)
	}
	return path
}

func benchEngine(b *testing.B) {
	useEngineB(b, testEngines()[0])
}

// useEngineB is useEngine for a benchmark.
func useEngineB(b *testing.B, te testEngine) {
	b.Helper()
	b.Setenv("DOCKER_HOST", te.host)
	b.Setenv("DOCKER_CONTEXT", "")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	e, err := newEngine(ctx, true)
	if err != nil {
		skipOrFail(b, "%s: %v", te.name, err)
	}
	defer e.close()
	v, _ := imageBuilt.LoadOrStore(te.host, onceBuild(ctx, e))
	if err := v.(func() error)(); err != nil {
		b.Fatal(err)
	}
}

// quiet is the benchmarks' logger: their figures, not the library's lines.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func report(b *testing.B, corral, cli []time.Duration) {
	mc, ml := median(corral), median(cli)
	b.ReportMetric(float64(mc.Microseconds())/1000, "corral-ms")
	b.ReportMetric(float64(ml.Microseconds())/1000, "cli-ms")
	b.ReportMetric(float64(mc)/float64(ml), "ratio")
}

// firstLine starts cmd and returns how long its first stdout line took;
// the command is then waited for outside the measure.
func firstLine(b *testing.B, cmd *exec.Cmd) time.Duration {
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	if _, err := bufio.NewReader(out).ReadString('\n'); err != nil {
		b.Fatal(err)
	}
	d := time.Since(start)
	if err := cmd.Wait(); err != nil {
		b.Fatal(err)
	}
	return d
}

// BenchmarkStartToFirstLine: a new container and its first output line.
// corral: NewDockerHeadlessEnvironment, Init (ephemeral, create, start),
// NewProcess of echo and its first line; the CLI: `docker run --rm IMAGE
// echo hi` until its first line. Removal is outside both measures.
func BenchmarkStartToFirstLine(b *testing.B) {
	benchEngine(b)
	cli := dockerCLI(b)
	img := mustImage(b, testImage)
	ctx := context.Background()
	var corral, base []time.Duration
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		env, err := NewDockerHeadlessEnvironment(ctx, img, testName(b))
		if err != nil {
			b.Fatal(err)
		}
		env.WithEphemeral()
		env.WithLogger(quiet)
		if err := env.Init(ctx); err != nil {
			b.Fatal(err)
		}
		p, err := env.NewProcess("echo", "hi")
		if err != nil {
			b.Fatal(err)
		}
		got := make(chan time.Duration, 1)
		p.WithOutput(writerFunc(func([]byte) {
			select {
			case got <- time.Since(start):
			default:
			}
		}))
		if err := p.Run(ctx); err != nil {
			b.Fatal(err)
		}
		corral = append(corral, <-got)
		if err := env.Shutdown(ctx); err != nil {
			b.Fatal(err)
		}
		base = append(base, firstLine(b, exec.Command(cli, "run", "--rm", testImage, "echo", "hi")))
	}
	report(b, corral, base)
}

// BenchmarkExecTrue: the round trip of `true` in a running container.
// corral: NewProcess and Run; the CLI: `docker exec CONTAINER true`.
func BenchmarkExecTrue(b *testing.B) {
	benchEngine(b)
	cli := dockerCLI(b)
	ctx := context.Background()
	env, err := NewDockerHeadlessEnvironment(ctx, mustImage(b, testImage), testName(b))
	if err != nil {
		b.Fatal(err)
	}
	defer env.Shutdown(ctx)
	env.WithLogger(quiet)
	if err := env.Init(ctx); err != nil {
		b.Fatal(err)
	}
	var corral, base []time.Duration
	for b.Loop() {
		start := time.Now()
		p, err := env.NewProcess("true")
		if err != nil {
			b.Fatal(err)
		}
		if err := p.Run(ctx); err != nil {
			b.Fatal(err)
		}
		corral = append(corral, time.Since(start))
		start = time.Now()
		if out, err := exec.Command(cli, "exec", env.ContainerID(), "true").CombinedOutput(); err != nil {
			b.Fatalf("docker exec: %v: %s", err, out)
		}
		base = append(base, time.Since(start))
	}
	report(b, corral, base)
}
