package companion_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/corralrun/corral/internal/proctest"
	"github.com/corralrun/corral/runners/companion"
)

// The one Proc contract suite over every backend, each reached through
// the companion as a user reaches it: Native, Nix wrapped (before Init)
// and materialised (after Init), Docker on dockerd and on Podman's API.
// No backend declares a clause unsupported: each honours the whole
// contract (see the package documentation).
func TestProcContract(t *testing.T) {
	backends := []proctest.Backend{
		{Name: "native", New: newNativeCompanion},
		{Name: "nix-wrapped", New: newNixCompanion(false)},
		{Name: "nix-materialised", New: newNixCompanion(true)},
	}
	for _, te := range testEngines() {
		backends = append(backends, proctest.Backend{
			Name: "docker-" + te.name,
			New:  newDockerCompanion(te),
			// The container's client keeps idle HTTP connections for
			// the environment's life; they are not the proc's.
			LeakOptions: []goleak.Option{
				goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"),
				goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop"),
			},
		})
	}
	proctest.Run(t, backends...)
}

func newNativeCompanion(t *testing.T, dir string) proctest.Env {
	t.Helper()
	isolate(t)
	r := newRunner(t, companion.CompanionOpts{Name: "contract", SourceDir: dir, PreferredBackend: companion.Native})
	mustBackend(t, r, companion.Native)
	return r
}

func newNixCompanion(materialise bool) proctest.Factory {
	return func(t *testing.T, dir string) proctest.Env {
		t.Helper()
		requireNix(t)
		isolate(t)
		writeFlake(t, dir)
		r := newRunner(t, companion.CompanionOpts{Name: "contract", SourceDir: dir, PreferredBackend: companion.Nix})
		mustBackend(t, r, companion.Nix)
		if materialise {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := r.Init(ctx); err != nil {
				t.Fatal(err)
			}
		}
		return r
	}
}

func newDockerCompanion(te testEngine) proctest.Factory {
	return func(t *testing.T, dir string) proctest.Env {
		t.Helper()
		useEngine(t, te)
		isolate(t)
		r := newRunner(t, companion.CompanionOpts{Name: testName(t), SourceDir: dir, Image: testImage(t), PreferredBackend: companion.Docker})
		mustBackend(t, r, companion.Docker)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := r.Init(ctx); err != nil {
			t.Fatal(err)
		}
		return r
	}
}

func mustBackend(t *testing.T, r companion.CompanionRunner, want string) {
	t.Helper()
	if got := r.Backend(); got != want {
		t.Fatalf("Backend() = %q, want %q (reason: %s)", got, want, r.Reason())
	}
}
