package companion_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/corralrun/corral/internal/proctest"
	"github.com/corralrun/corral/resources"
	"github.com/corralrun/corral/runners/base"
	"github.com/corralrun/corral/runners/companion"
	"github.com/corralrun/corral/runners/docker/dockertest"
)

// testEngine is one Docker engine the tests run against.
type testEngine struct{ name, host string }

// testEngines are dockerd (DOCKER_HOST, else the default socket) and
// Podman's API (CORRAL_TEST_PODMAN_HOST), as scripts/services/docker.sh
// starts them; Podman is required under CI=true.
func testEngines() []testEngine {
	dockerd := os.Getenv("DOCKER_HOST")
	if dockerd == "" {
		dockerd = client.DefaultDockerHost
	}
	out := []testEngine{{"dockerd", dockerd}}
	if p := os.Getenv("CORRAL_TEST_PODMAN_HOST"); p != "" || os.Getenv("CI") == "true" {
		out = append(out, testEngine{"podman", p})
	}
	return out
}

var imageReady sync.Map // host → func() error

// useEngine points the test at te (DOCKER_HOST) and builds the test
// image there once; without an engine the test is skipped, or fails
// under CI=true.
func useEngine(t *testing.T, te testEngine) {
	t.Helper()
	if te.host == "" {
		proctest.SkipOrFail(t, te.name+": no endpoint (set CORRAL_TEST_PODMAN_HOST; bash scripts/services/docker.sh start)")
	}
	t.Setenv("DOCKER_HOST", te.host)
	t.Setenv("DOCKER_CONTEXT", "")
	v, _ := imageReady.LoadOrStore(te.host, sync.OnceValue(func() error { return buildImage(te.host) }))
	if err := v.(func() error)(); err != nil {
		proctest.SkipOrFail(t, te.name+": "+err.Error()+" (run bash scripts/services/docker.sh start as root)")
	}
}

// buildImage builds dockertest.Image on the engine at host.
func buildImage(host string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	api, err := client.New(client.WithHost(host))
	if err != nil {
		return err
	}
	defer api.Close()
	if _, err := api.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		return err
	}
	return dockertest.EnsureImage(ctx, api)
}

func testImage(t testing.TB) *resources.DockerImage {
	t.Helper()
	img, err := resources.ParseDockerImage(dockertest.Image)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

var nameUnsafe = regexp.MustCompile(`[^a-zA-Z0-9_.-]+`)

// testName is a container name unique to this test.
func testName(t testing.TB) string {
	b := make([]byte, 4)
	rand.Read(b)
	n := nameUnsafe.ReplaceAllString(t.Name(), "-")
	if len(n) > 40 {
		n = n[len(n)-40:]
	}
	return "c-" + strings.Trim(n, "-.") + "-" + hex.EncodeToString(b)
}

// requireNix skips the test, or fails it under CI=true, unless nix with
// flakes runs here.
func requireNix(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if p := base.ProbeNix(ctx); !p.Usable() {
		proctest.SkipOrFail(t, `nix with flakes is not usable here (as root: NIX_CONFIG="$(scripts/services/nix.sh)")`)
	}
}

// writeFlake copies testdata/nix/vars/flake.nix into dir.
func writeFlake(t testing.TB, dir string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "nix", "vars", "flake.nix"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "flake.nix"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// isolate gives the test a CORRAL_HOME of its own.
func isolate(t *testing.T) { t.Setenv("CORRAL_HOME", t.TempDir()) }

// newRunner is a companion over opts, shut down at the end of the test.
func newRunner(t *testing.T, opts companion.CompanionOpts) companion.CompanionRunner {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r, err := companion.NewCompanionRunner(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := r.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return r
}
