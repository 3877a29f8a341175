package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/corralrun/corral/runners/docker/dockertest"
)

// dockerAPI connects to the engine the e2e tests use (DOCKER_HOST, else
// the default socket) and makes sure the test image is there.
func dockerAPI(t *testing.T) *client.Client {
	t.Helper()
	opts := []client.Opt{}
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		opts = append(opts, client.WithHost(h))
	}
	api, err := client.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { api.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := api.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		dockertest.SkipOrFail(t, "no Docker engine: %v (run scripts/services/docker.sh start as root)", err)
	}
	if err := dockertest.EnsureImage(ctx, api); err != nil {
		t.Fatal(err)
	}
	return api
}

// runContainers lists the containers `corral run` made for the corral
// with that PID.
func runContainers(t *testing.T, api *client.Client, pid int) []container.Summary {
	t.Helper()
	res, err := api.ContainerList(context.Background(), client.ContainerListOptions{
		All: true, Filters: client.Filters{}.Add("name", fmt.Sprintf("corral-run-%d-", pid)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return res.Items
}

func TestE2EDockerRun(t *testing.T) {
	api := dockerAPI(t)
	e := newE2E(t)
	cmd := e.command("run", "--backend", "docker", "--image", dockertest.Image, "--dir", t.TempDir(), "-e", "GREETING=hi", "--", "sh", "-c", `echo "$GREETING"; echo err >&2; exit 4`)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	code := e.wait(cmd, testTimeout)
	if code != 4 || stdout.String() != "hi\n" || !strings.Contains(stderr.String(), "err\n") {
		t.Fatalf("exit %d, stdout %q, stderr %q; want 4, \"hi\\n\", err", code, stdout.String(), stderr.String())
	}
	if left := runContainers(t, api, cmd.Process.Pid); len(left) != 0 {
		t.Fatalf("the container outlived corral run: %v", left[0].Names)
	}
	if r := e.run("", "run", "--backend", "docker", "--image", dockertest.Image, "--", "no-such-command"); r.code != 127 {
		t.Errorf("a missing command: exit %d, want 127 (stderr %q)", r.code, r.stderr)
	}
}

func TestE2EDockerSignalRemovesContainer(t *testing.T) {
	api := dockerAPI(t)
	e := newE2E(t)
	cmd, stderr := e.start("run", "--backend", "docker", "--image", dockertest.Image, "--grace", "1s", "--", "sh", "-c", "sleep 300 & setsid sleep 301 & wait")
	eventually(t, time.Minute, "the container did not start", func() bool {
		cs := runContainers(t, api, cmd.Process.Pid)
		return len(cs) == 1 && cs[0].State == container.StateRunning
	})
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("corral stderr: %s", stderr())
		}
	})
	if code := e.wait(cmd, 30*time.Second); code != 130 {
		t.Fatalf("exit %d after SIGINT, want 130; stderr %s", code, stderr())
	}
	if left := runContainers(t, api, cmd.Process.Pid); len(left) != 0 {
		t.Fatalf("the container outlived an interrupted corral run")
	}
}

func TestE2EDockerKill9ThenReap(t *testing.T) {
	api := dockerAPI(t)
	e := newE2E(t)
	// A container corral did not make: no sweep may touch it.
	foreign, err := api.ContainerCreate(context.Background(), client.ContainerCreateOptions{
		Name:   fmt.Sprintf("not-corral-%d-%d", os.Getpid(), time.Now().UnixNano()),
		Config: &container.Config{Image: dockertest.Image, Cmd: []string{"true"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		api.ContainerRemove(context.Background(), foreign.ID, client.ContainerRemoveOptions{Force: true})
	})
	cmd, _ := e.start("run", "--backend", "docker", "--image", dockertest.Image, "--", "sleep", "300")
	pid := cmd.Process.Pid
	var id string
	eventually(t, time.Minute, "the container did not start", func() bool {
		cs := runContainers(t, api, pid)
		if len(cs) == 1 && cs[0].State == container.StateRunning {
			id = cs[0].ID
			return true
		}
		return false
	})
	t.Cleanup(func() { api.ContainerRemove(context.Background(), id, client.ContainerRemoveOptions{Force: true}) })
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	e.wait(cmd, 5*time.Second)
	if len(runContainers(t, api, pid)) != 1 {
		t.Fatal("the container is gone before anything reaped it")
	}
	r := e.run("", "reap")
	if r.code != 0 || !strings.Contains(r.stdout, fmt.Sprintf("removed container corral-run-%d-", pid)) {
		t.Fatalf("reap: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if len(runContainers(t, api, pid)) != 0 {
		t.Fatal("the container of the killed corral survived reap")
	}
	if _, err := api.ContainerInspect(context.Background(), foreign.ID, client.ContainerInspectOptions{}); err != nil {
		t.Fatalf("the unlabelled container did not survive reap: %v", err)
	}
}
