package docker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"

	"github.com/corralrun/corral/runners/docker/dockertest"
)

// testRegistry is the local registry scripts/services/docker.sh starts.
func testRegistry(t *testing.T) string {
	r := os.Getenv("CORRAL_TEST_REGISTRY")
	if r == "" {
		skipOrFail(t, "no registry: set CORRAL_TEST_REGISTRY (scripts/services/docker.sh start)")
	}
	return r
}

// pushToRegistry builds an image of its own (the test image and a layer
// no other image has), pushes it to the registry and removes it locally,
// so that the engine must download that layer again.
func pushToRegistry(t *testing.T, e *engine, registry string) string {
	t.Helper()
	ctx := runCtx(t)
	b := make([]byte, 4)
	rand.Read(b)
	ref := registry + "/corral/busybox:" + hex.EncodeToString(b)
	unique := make([]byte, 64<<10)
	rand.Read(unique)
	if err := dockertest.Build(ctx, e.api, ref, "FROM "+testImage+"\nCOPY unique /unique\n", map[string][]byte{"unique": unique}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.api.ImageRemove(context.Background(), ref, client.ImageRemoveOptions{}) })
	push, err := e.api.ImagePush(ctx, ref, client.ImagePushOptions{RegistryAuth: "e30="}) // base64 "{}": no credentials
	if err != nil {
		t.Fatal(err)
	}
	for msg, err := range push.JSONMessages(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if msg.Error != nil {
			t.Fatalf("push %s: %v", ref, msg.Error)
		}
	}
	push.Close()
	if _, err := e.api.ImageRemove(ctx, ref, client.ImageRemoveOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.api.ImageInspect(ctx, ref); !cerrdefs.IsNotFound(err) {
		t.Fatalf("%s still present locally: %v", ref, err)
	}
	return ref
}

func TestPullFromRegistry(t *testing.T) {
	registry := testRegistry(t)
	// dockerd trusts a plain-HTTP registry on 127.0.0.0/8 by default;
	// scripts/services/docker.sh tells podman (registries.conf).
	forEachEngine(t, func(t *testing.T) {
		e := testEngineAPI(t)
		ref := pushToRegistry(t, e, registry)
		var mu sync.Mutex
		var steps []PullProgress
		var logs strings.Builder
		env := newTestEnvImage(t, ref, func(d *DockerEnvironment) {
			d.WithPullProgress(func(p PullProgress) {
				mu.Lock()
				steps = append(steps, p)
				mu.Unlock()
			})
			d.WithLogger(slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil)))
		})
		if got := runOut(t, env, "echo", "pulled"); got != "pulled\n" {
			t.Fatalf("got %q", got)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(steps) == 0 || steps[len(steps)-1].Layers == 0 || steps[len(steps)-1].Done != steps[len(steps)-1].Layers {
			t.Fatalf("progress %+v, want steps ending with every layer done", steps)
		}
		if !strings.Contains(logs.String(), "pulling image") || !strings.Contains(logs.String(), ref) {
			t.Fatalf("the logger did not hear of the pull: %s", logs.String())
		}
	})
}

func TestPullFailureNamesReference(t *testing.T) {
	registry := testRegistry(t)
	forEachEngine(t, func(t *testing.T) {
		ref := registry + "/corral/does-not-exist:never"
		ctx := runCtx(t)
		env, err := NewDockerHeadlessEnvironment(ctx, mustImage(t, ref), testName(t))
		if err != nil {
			t.Fatal(err)
		}
		defer env.Shutdown(ctx)
		err = env.Init(ctx)
		var ie *ImageError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), ref) {
			t.Fatalf("Init = %v, want an *ImageError naming %s", err, ref)
		}
	})
}

func newTestEnvImage(t *testing.T, ref string, configure ...func(*DockerEnvironment)) *DockerEnvironment {
	t.Helper()
	ctx := runCtx(t)
	env, err := NewDockerHeadlessEnvironment(ctx, mustImage(t, ref), testName(t))
	if err != nil {
		t.Fatal(err)
	}
	env.WithPause()
	for _, f := range configure {
		f(env)
	}
	t.Cleanup(func() { env.Shutdown(context.Background()) })
	if err := env.Init(ctx); err != nil {
		t.Fatal(err)
	}
	return env
}

func TestPullStateFolds(t *testing.T) {
	s := pullState{p: PullProgress{Ref: "r"}, layers: map[string]*layerState{}}
	steps := []struct {
		id, status     string
		current, total int64
	}{
		{"latest", "Pulling from corral/busybox", 0, 0}, // about the pull, not a layer
		{"aaa", "Pulling fs layer", 0, 0},
		{"bbb", "Already exists", 0, 0},
		{"aaa", "Downloading", 50, 100},
		{"aaa", "Downloading", 100, 100},
		{"aaa", "Pull complete", 0, 0},
		{"", "Digest: sha256:0", 0, 0},
	}
	for _, st := range steps {
		s.update(st.id, st.status, st.current, st.total)
	}
	if got := s.p; got.Layers != 2 || got.Done != 2 || got.Current != 100 || got.Total != 100 || got.Status != "Digest: sha256:0" {
		t.Fatalf("progress %+v", got)
	}
}
