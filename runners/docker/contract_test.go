package docker

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/corralrun/corral/internal/proctest"
)

// TestProcContract runs the shared Proc contract suite against a
// container on dockerd and on Podman's API.
func TestProcContract(t *testing.T) {
	var backends []proctest.Backend
	for _, te := range testEngines() {
		backends = append(backends, proctest.Backend{
			Name: te.name,
			New: func(t *testing.T, dir string) proctest.Env {
				useEngine(t, te)
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				env, err := NewDockerEnvironment(ctx, mustImage(t, testImage), dir, testName(t))
				if err != nil {
					t.Fatal(err)
				}
				env.WithLogger(quiet)
				if err := env.Init(ctx); err != nil {
					t.Fatal(err)
				}
				return env
			},
			// The environment's connection keeps idle HTTP connections
			// for its life; they are not the proc's.
			LeakOptions: []goleak.Option{
				goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"),
				goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop"),
			},
		})
	}
	proctest.Run(t, backends...)
}
