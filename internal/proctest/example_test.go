package proctest_test

import (
	"context"
	"testing"

	"github.com/corralrun/corral/internal/proctest"
	"github.com/corralrun/corral/runners/base"
)

// A backend's test runs the suite over a factory of fresh environments
// rooted at the directory the suite gives it.
func ExampleRun() {
	newNative := func(t *testing.T, dir string) proctest.Env {
		t.Setenv("CORRAL_HOME", t.TempDir()) // records of the test's trees
		env, err := base.NewNativeEnvironment(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		return env
	}
	// In a test function of the backend's package:
	_ = func(t *testing.T) {
		proctest.Run(t, proctest.Backend{Name: "native", New: newNative})
	}
}
