package docker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/client"
	"go.uber.org/goleak"

	"github.com/corralrun/corral/resources"
	"github.com/corralrun/corral/runners/docker/dockertest"
)

func TestMain(m *testing.M) {
	if os.Getenv(helperVar) == "owner" {
		os.Exit(ownerHelper())
	}
	goleak.VerifyTestMain(m)
}

// helperVar makes the test binary an owner of a container (ownerHelper)
// instead of running the tests.
const helperVar = "CORRAL_DOCKER_TEST_HELPER"

// ownerHelper makes an environment (ephemeral unless
// CORRAL_DOCKER_TEST_PERSISTENT is set) named by CORRAL_DOCKER_TEST_NAME,
// prints its container's ID and waits to be killed.
func ownerHelper() int {
	ctx := context.Background()
	img, _ := resources.ParseDockerImage(testImage)
	env, err := NewDockerHeadlessEnvironment(ctx, img, os.Getenv("CORRAL_DOCKER_TEST_NAME"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if os.Getenv("CORRAL_DOCKER_TEST_PERSISTENT") == "" {
		env.WithEphemeral()
	}
	env.WithPause()
	if err := env.Init(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(env.ContainerID())
	time.Sleep(time.Hour)
	return 0
}

// testImage is the image the tests build on every engine: busybox-static
// FROM scratch, every applet installed as a symlink in /bin.
const testImage = dockertest.Image

// skipOrFail skips, or fails under CI=true.
var skipOrFail = dockertest.SkipOrFail

// testEngine is one engine the suites run against.
type testEngine struct{ name, host string }

// testEngines are dockerd (DOCKER_HOST, else the default socket) and
// Podman's API (CORRAL_TEST_PODMAN_HOST), as scripts/services/docker.sh
// starts them.
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

var imageBuilt sync.Map // host → func() error

// onceBuild builds the test image on e's engine the first time it is
// called.
func onceBuild(ctx context.Context, e *engine) func() error {
	return sync.OnceValue(func() error { return dockertest.EnsureImage(ctx, e.api) })
}

// useEngine points this test (DOCKER_HOST) at the engine, skipping or
// failing when it does not answer, and builds the test image there once.
func useEngine(t *testing.T, te testEngine) {
	t.Helper()
	if te.host == "" {
		skipOrFail(t, "%s: no endpoint (set CORRAL_TEST_PODMAN_HOST; scripts/services/docker.sh start)", te.name)
	}
	t.Setenv("DOCKER_HOST", te.host)
	t.Setenv("DOCKER_CONTEXT", "")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	e, err := newEngine(ctx, true)
	if err != nil {
		skipOrFail(t, "%s: %v (run scripts/services/docker.sh start as root)", te.name, err)
	}
	defer e.close()
	v, _ := imageBuilt.LoadOrStore(te.host, onceBuild(ctx, e))
	if err := v.(func() error)(); err != nil {
		t.Fatalf("%s: build %s: %v", te.name, testImage, err)
	}
}

var nameUnsafe = regexp.MustCompile(`[^a-zA-Z0-9_.-]+`)

// testName is a container name unique to this test run.
func testName(t testing.TB) string {
	b := make([]byte, 4)
	rand.Read(b)
	n := nameUnsafe.ReplaceAllString(t.Name(), "-")
	if len(n) > 40 {
		n = n[len(n)-40:]
	}
	return "t-" + strings.Trim(n, "-.") + "-" + hex.EncodeToString(b)
}

func mustImage(t testing.TB, ref string) *resources.DockerImage {
	t.Helper()
	img, err := resources.ParseDockerImage(ref)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// newTestEnv makes and initialises a headless environment on the current
// engine (useEngine first), shut down at the end of the test.
func newTestEnv(t *testing.T, configure ...func(*DockerEnvironment)) *DockerEnvironment {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	env, err := NewDockerHeadlessEnvironment(ctx, mustImage(t, testImage), testName(t))
	if err != nil {
		t.Fatal(err)
	}
	env.WithGracePeriod(2 * time.Second)
	for _, f := range configure {
		f(env)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := env.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	if err := env.Init(ctx); err != nil {
		t.Fatal(err)
	}
	return env
}

// forEachEngine runs f as a subtest per engine.
func forEachEngine(t *testing.T, f func(t *testing.T)) {
	for _, te := range testEngines() {
		t.Run(te.name, func(t *testing.T) {
			useEngine(t, te)
			f(t)
		})
	}
}
