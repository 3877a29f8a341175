package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/corralrun/corral/internal/proc"
)

// runOut runs a command in env and returns its output lines joined.
func runOut(t *testing.T, env *DockerEnvironment, bin string, args ...string) string {
	t.Helper()
	p, err := env.NewProcess(bin, args...)
	if err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	p.WithOutput(&out)
	if err := p.Run(runCtx(t)); err != nil {
		t.Fatalf("%s: %v", bin, err)
	}
	return strings.Join(out.lines(), "")
}

func TestDirMountedAtSamePath(t *testing.T) {
	forEachEngine(t, func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("from the host\n"), 0o644)
		ctx := runCtx(t)
		env, err := NewDockerEnvironment(ctx, mustImage(t, testImage), dir, testName(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { env.Shutdown(context.Background()) })
		if err := env.Init(ctx); err != nil {
			t.Fatal(err)
		}
		if got := runOut(t, env, "sh", "-c", "pwd; cat hello.txt"); got != dir+"\nfrom the host\n" {
			t.Fatalf("got %q", got)
		}
		sub := filepath.Join(dir, "sub")
		os.Mkdir(sub, 0o755)
		p, _ := env.NewProcess("pwd")
		p.WithDir(sub)
		var out syncBuffer
		p.WithOutput(&out)
		if err := p.Run(ctx); err != nil || strings.Join(out.lines(), "") != sub+"\n" {
			t.Fatalf("WithDir: %q, %v", out.lines(), err)
		}
	})
}

func TestMountUserWorkDir(t *testing.T) {
	forEachEngine(t, func(t *testing.T) {
		src := t.TempDir()
		os.WriteFile(filepath.Join(src, "f"), []byte("mounted\n"), 0o644)
		env := newTestEnv(t, func(e *DockerEnvironment) {
			e.WithMount(src, "/data")
			e.WithWorkDir("/data")
			e.WithUser("1234:5678")
		})
		if got := runOut(t, env, "sh", "-c", "pwd; cat f; id -u; id -g"); got != "/data\nmounted\n1234\n5678\n" {
			t.Fatalf("got %q", got)
		}
	})
}

func TestBadConfigurationIsInitError(t *testing.T) {
	forEachEngine(t, func(t *testing.T) {
		ctx := runCtx(t)
		env, err := NewDockerHeadlessEnvironment(ctx, mustImage(t, testImage), testName(t))
		if err != nil {
			t.Fatal(err)
		}
		defer env.Shutdown(ctx)
		env.WithMount(filepath.Join(t.TempDir(), "missing"), "/x")
		env.WithMount(t.TempDir(), "relative/target")
		err = env.Init(ctx)
		if err == nil || !strings.Contains(err.Error(), "missing") || !strings.Contains(err.Error(), "relative/target") {
			t.Fatalf("Init = %v, want errors naming both mounts", err)
		}
		if _, err := env.NewProcess("true"); !errors.Is(err, ErrNotInitialized) {
			t.Fatalf("NewProcess before a successful Init = %v", err)
		}
	})
}

func TestPortsOnLoopbackUnlessPublic(t *testing.T) {
	forEachEngine(t, func(t *testing.T) {
		port := freePort(t)
		env := newTestEnv(t, func(e *DockerEnvironment) { e.WithPortMapping(context.Background(), port, 8080) })
		ins := inspect(t, env)
		b := ins.NetworkSettings.Ports[network.MustParsePort("8080/tcp")]
		if len(b) == 0 || b[0].HostIP.String() != "127.0.0.1" || b[0].HostPort != fmt.Sprint(port) {
			t.Fatalf("bindings %+v, want 127.0.0.1:%d", b, port)
		}
		// A server in the container answers on 127.0.0.1.
		p, _ := env.NewProcess("sh", "-c", "echo pong | nc -l -p 8080")
		ctx := runCtx(t)
		if err := p.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer p.Stop(ctx)
		got := dialUntil(t, fmt.Sprintf("127.0.0.1:%d", port))
		if got != "pong\n" {
			t.Fatalf("read %q through the published port", got)
		}

		pub := newTestEnv(t, func(e *DockerEnvironment) {
			e.WithPortMapping(context.Background(), 0, 8081)
			e.WithPublicPorts()
		})
		b = inspect(t, pub).NetworkSettings.Ports[network.MustParsePort("8081/tcp")]
		if len(b) == 0 || !b[0].HostIP.IsUnspecified() {
			t.Fatalf("public bindings %+v, want 0.0.0.0", b)
		}
	})
}

func dialUntil(t *testing.T, addr string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.SetReadDeadline(time.Now().Add(2 * time.Second))
			b, _ := io.ReadAll(c)
			c.Close()
			if len(b) > 0 {
				return string(b)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("nothing answered on %s", addr)
	return ""
}

func freePort(t *testing.T) uint16 {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return uint16(l.Addr().(*net.TCPAddr).Port)
}

func inspect(t *testing.T, env *DockerEnvironment) *containerInspect {
	t.Helper()
	res, err := env.eng.api.ContainerInspect(runCtx(t), env.ContainerID(), client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return &containerInspect{res.Container.Config.Labels, res.Container.NetworkSettings, res.Container.HostConfig.Init}
}

type containerInspect struct {
	Labels          map[string]string
	NetworkSettings *container.NetworkSettings
	Init            *bool
}

func TestReuseAndRecreate(t *testing.T) {
	forEachEngine(t, func(t *testing.T) {
		ctx := runCtx(t)
		name := testName(t)
		mk := func() *DockerEnvironment {
			env, err := NewDockerHeadlessEnvironment(ctx, mustImage(t, testImage), name)
			if err != nil {
				t.Fatal(err)
			}
			env.WithPause()
			return env
		}
		a := mk()
		t.Cleanup(func() { a.Shutdown(context.Background()) })
		if err := a.Init(ctx); err != nil {
			t.Fatal(err)
		}
		ins := inspect(t, a)
		if ins.Init == nil || !*ins.Init {
			t.Error("the container runs without an init process")
		}
		if ins.Labels[labelOwnerPID] != fmt.Sprint(os.Getpid()) || ins.Labels[labelManaged] != "1" || ins.Labels[labelConfig] == "" {
			t.Errorf("labels %v", ins.Labels)
		}
		// Same configuration: the same container.
		b := mk()
		t.Cleanup(func() { b.Shutdown(context.Background()) })
		if err := b.Init(ctx); err != nil {
			t.Fatal(err)
		}
		if b.ContainerID() != a.ContainerID() {
			t.Fatal("an equal configuration did not reuse the container")
		}
		// Changed configuration: a new container.
		c := mk()
		c.WithUser("1000")
		if err := c.Init(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Shutdown(context.Background()) })
		if c.ContainerID() == a.ContainerID() {
			t.Fatal("a changed configuration reused the old container")
		}
		if got := runOut(t, c, "id", "-u"); got != "1000\n" {
			t.Fatalf("recreated container runs as %q", got)
		}
	})
}

func TestNoSecretInLabels(t *testing.T) {
	forEachEngine(t, func(t *testing.T) {
		const secret = "s3cr3t-value-never-in-a-label"
		var logs strings.Builder
		var mu sync.Mutex
		env := newTestEnv(t, func(e *DockerEnvironment) {
			e.WithEnvironmentVariables(context.Background(), envVar("TOKEN", secret))
			e.WithLogger(slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, &slog.HandlerOptions{Level: slog.LevelDebug})))
		})
		if got := runOut(t, env, "sh", "-c", "echo $TOKEN", secret); got != secret+"\n" {
			t.Fatalf("TOKEN = %q", got)
		}
		res, err := env.eng.api.ContainerInspect(runCtx(t), env.ContainerID(), client.ContainerInspectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(res.Raw), secret) {
			t.Fatal("the secret is in the container's configuration")
		}
		mu.Lock()
		defer mu.Unlock()
		if strings.Contains(logs.String(), secret) {
			t.Fatal("the secret is in the logs")
		}
	})
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func TestShutdownIdempotent(t *testing.T) {
	forEachEngine(t, func(t *testing.T) {
		env := newTestEnv(t)
		id := env.ContainerID()
		p, _ := env.NewProcess("sleep", "300")
		ctx := runCtx(t)
		if err := p.Start(ctx); err != nil {
			t.Fatal(err)
		}
		if err := env.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
		if err := env.Shutdown(ctx); err != nil {
			t.Fatalf("second Shutdown = %v", err)
		}
		if err := p.Wait(ctx); err != nil {
			t.Fatalf("Wait after Shutdown = %v", err)
		}
		e := testEngineAPI(t)
		if containerExists(t, e, id) {
			t.Fatal("the container survived Shutdown")
		}
		if _, err := env.NewProcess("true"); !errors.Is(err, ErrShutdown) {
			t.Fatalf("NewProcess after Shutdown = %v", err)
		}
		if err := env.Init(ctx); !errors.Is(err, ErrShutdown) {
			t.Fatalf("Init after Shutdown = %v", err)
		}
	})
}

var _ proc.RunnerEnvironment = (*DockerEnvironment)(nil)
