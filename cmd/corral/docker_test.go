package main

import (
	"context"
	"path/filepath"
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
