package base_test

import (
	"context"
	"testing"

	"github.com/corralrun/corral/internal/proctest"
	"github.com/corralrun/corral/runners/base"
)

// The Proc contract suite over Native, in both containments. Native
// declares no test unsupported.
func TestProcContract(t *testing.T) {
	proctest.Run(t,
		proctest.Backend{Name: "native-cgroup", New: newNativeCgroup},
		proctest.Backend{Name: "native-pgroup", New: newNativePgroup},
	)
}

// newNativeCgroup is a Native environment contained by cgroups; where
// none is writable the test is skipped, or fails under CI=true.
func newNativeCgroup(t *testing.T, dir string) proctest.Env {
	t.Helper()
	if c := base.DetectContainment(); c.Kind != base.ContainmentCgroup {
		proctest.SkipOrFail(t, "no writable cgroup v2 here: "+c.Reason)
	}
	return newNative(t, dir)
}

// newNativePgroup is a Native environment contained by process groups,
// forced as a user would force it.
func newNativePgroup(t *testing.T, dir string) proctest.Env {
	t.Helper()
	t.Setenv("CORRAL_CONTAINMENT", "pgroup")
	env := newNative(t, dir)
	if k := env.Containment().Kind; k != base.ContainmentPgroup {
		t.Fatalf("CORRAL_CONTAINMENT=pgroup gave containment %q", k)
	}
	return env
}

// newNative is a Native environment in dir, recording its trees in a
// CORRAL_HOME of the test's own.
func newNative(t *testing.T, dir string) *base.NativeEnvironment {
	t.Helper()
	t.Setenv("CORRAL_HOME", t.TempDir())
	env, err := base.NewNativeEnvironment(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	return env
}
