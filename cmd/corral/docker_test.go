package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/corralrun/corral/runners/base"
	"github.com/corralrun/corral/runners/docker"
)

// noDocker is a machine without an engine, for the tests that must not
// depend on one.
func noDocker() dockerDeps {
	return dockerDeps{
		sweep: func(context.Context) (*docker.SweepReport, error) { return &docker.SweepReport{NoEngine: true}, nil },
		list:  func(context.Context) ([]docker.ContainerStatus, error) { return nil, nil },
	}
}

func TestPsListsContainers(t *testing.T) {
	isolateHome(t)
	d, stdout, stderr := testDeps(t, "")
	forbidReap(t, d, "ps")
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	d.now = func() time.Time { return now }
	d.listTrees = func(context.Context) ([]base.TreeStatus, error) { return nil, nil }
	d.docker.list = func(context.Context) ([]docker.ContainerStatus, error) {
		return []docker.ContainerStatus{
			{ID: "0123456789abcdef", Name: "corral-run-1-aa", Image: "busybox-test", State: "running", Created: now.Add(-90 * time.Second), Ephemeral: true, OwnerPID: 42, OwnerAlive: true},
			{ID: "fedcba9876543210", Name: "corral-db", Image: "postgres:16", State: "exited", Created: now.Add(-2 * time.Hour), OwnerPID: 7},
		}, nil
	}
	r := runWith(t, d, stdout, stderr, "ps")
	if r.code != 0 {
		t.Fatalf("code %d, stderr %q", r.code, r.stderr)
	}
	checkGolden(t, "ps_containers.golden", r.stdout)
}

func TestReapPrintsRemovedContainers(t *testing.T) {
	isolateHome(t)
	d, stdout, stderr := testDeps(t, "")
	d.docker.sweep = func(context.Context) (*docker.SweepReport, error) {
		return &docker.SweepReport{Removed: []docker.SweptContainer{{ID: "0123456789abcdef", Name: "corral-run-9-bb", Reason: "ephemeral, owner pid 9 dead"}}}, nil
	}
	r := runWith(t, d, stdout, stderr, "reap")
	if r.code != 0 {
		t.Fatalf("code %d, stderr %q", r.code, r.stderr)
	}
	if want := "removed container corral-run-9-bb 0123456789ab (ephemeral, owner pid 9 dead)\n"; r.stdout != want {
		t.Fatalf("stdout %q, want %q", r.stdout, want)
	}
}

func TestRunDockerUsageErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		args []string
	}{
		{"no image", []string{"run", "--backend", "docker", "--", "true"}},
		{"bad image", []string{"run", "--backend", "docker", "--image", "UPPER/Case", "--", "true"}},
		{"bad -p", []string{"run", "--image", "busybox", "-p", "80", "--", "true"}},
		{"bad -p port", []string{"run", "--image", "busybox", "-p", "0:80", "--", "true"}},
		{"bad -v no colon", []string{"run", "--image", "busybox", "-v", dir, "--", "true"}},
		{"bad -v relative", []string{"run", "--image", "busybox", "-v", dir + ":rel", "--", "true"}},
		{"bad -v missing", []string{"run", "--image", "busybox", "-v", filepath.Join(dir, "none") + ":/x", "--", "true"}},
		{"-v without docker", []string{"run", "--backend", "native", "-v", dir + ":/x", "--", "true"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			isolateHome(t)
			d, stdout, stderr := testDeps(t, "")
			r := runWith(t, d, stdout, stderr, c.args...)
			if r.code != 2 || countLines(r.stderr) != 1 {
				t.Fatalf("code %d, stderr %q; want 2 and one line", r.code, r.stderr)
			}
		})
	}
}

func TestRunDockerUnreachableEngine(t *testing.T) {
	isolateHome(t)
	t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(t.TempDir(), "none.sock"))
	d, stdout, stderr := testDeps(t, "")
	r := runWith(t, d, stdout, stderr, "run", "--backend", "docker", "--image", "busybox", "--", "true")
	if r.code != 1 || countLines(r.stderr) != 1 {
		t.Fatalf("code %d, stderr %q; want 1 and one line", r.code, r.stderr)
	}
}

func countLines(s string) int {
	n := 0
	for _, c := range s {
		if c == '\n' {
			n++
		}
	}
	return n
}

func TestDoctorDockerUsable(t *testing.T) {
	var b strings.Builder
	writeDockerBackend(context.Background(), &b, func(context.Context) (*docker.EngineInfo, error) {
		return &docker.EngineInfo{Endpoint: docker.Endpoint{Host: "unix:///run/podman.sock", Source: "DOCKER_HOST"}, Server: "Podman Engine 4.3.1", ServerAPI: "1.41", API: "1.41"}, nil
	})
	if want := "docker\tusable\tPodman Engine 4.3.1 at unix:///run/podman.sock (DOCKER_HOST), API 1.41\n"; b.String() != want {
		t.Fatalf("got %q, want %q", b.String(), want)
	}
}

func TestProgressLine(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "tty"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	report := progressLine(f)
	report(docker.PullProgress{Ref: "r:1", Layers: 2, Done: 1, Current: 1024, Total: 4096})
	report(docker.PullProgress{Ref: "r:1", Layers: 2, Done: 2, Current: 4096, Total: 4096})
	b, _ := os.ReadFile(f.Name())
	want := "\r\033[Kpulling r:1: 1/2 layers, 1.0KiB/4.0KiB\r\033[Kpulling r:1: 2/2 layers, 4.0KiB/4.0KiB\n"
	if string(b) != want {
		t.Fatalf("got %q, want %q", b, want)
	}
}
