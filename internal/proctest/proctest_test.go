package proctest_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corralrun/corral/internal/proctest"
	"github.com/corralrun/corral/resources"
	"github.com/corralrun/corral/runners/base"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The suite's scripts are portable sh: run over Native with nothing but
// busybox's applets in PATH, as in a busybox container.
func TestSuiteOverBusybox(t *testing.T) {
	proctest.Run(t, proctest.Backend{Name: "native-busybox", New: newBusyboxNative})
}

// newBusyboxNative is a Native environment whose PATH holds only
// busybox's applets.
func newBusyboxNative(t *testing.T, dir string) proctest.Env {
	t.Helper()
	busybox, err := exec.LookPath("busybox")
	if err != nil {
		proctest.SkipOrFail(t, "busybox is not installed (apt-get install busybox-static)")
	}
	out, err := exec.Command(busybox, "--list").Output()
	if err != nil {
		t.Fatalf("busybox --list: %v", err)
	}
	bin := t.TempDir()
	for _, applet := range strings.Fields(string(out)) {
		if err := os.Symlink(busybox, filepath.Join(bin, applet)); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("CORRAL_HOME", t.TempDir())
	env, err := base.NewNativeEnvironment(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	env.WithEnvironmentVariables(context.Background(), resources.Env("PATH", bin))
	return env
}

// Every test has a group, a case and a unique name.
func TestNames(t *testing.T) {
	seen := map[string]bool{}
	for _, name := range proctest.Names() {
		group, tc, ok := strings.Cut(name, "/")
		if !ok || group == "" || tc == "" || strings.Contains(tc, "/") || strings.ContainsAny(name, " \t") {
			t.Errorf("test name %q is not Group/Case", name)
		}
		if seen[name] {
			t.Errorf("test name %q twice", name)
		}
		seen[name] = true
	}
}
