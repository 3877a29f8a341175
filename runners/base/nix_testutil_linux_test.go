package base

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/corralrun/corral/internal/nixshell"
	"github.com/corralrun/corral/internal/records"
)

// requireNix skips (fails under CI=true) unless nix with flakes is here.
func requireNix(t testing.TB) {
	t.Helper()
	tool, err := nixshell.Find()
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err = tool.CheckFlakes(ctx)
	}
	if err != nil {
		reason := err.Error() + ` (scripts/services/nix.sh installs nix as root; run with NIX_CONFIG="$(scripts/services/nix.sh)")`
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and cannot run: %s", reason)
		}
		t.Skip(reason)
	}
}

// nixFixture copies testdata/nix/<name>/flake.nix into a fresh directory.
func nixFixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "nix", name, "flake.nix"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "flake.nix"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// newTestNix returns a Nix environment over a copy of the named fixture,
// with CORRAL_HOME in a temporary directory, shut down at the end.
func newTestNix(t *testing.T, fixture string) *NixEnvironment {
	t.Helper()
	requireNix(t)
	t.Setenv(records.HomeEnv, t.TempDir())
	env, err := NewNixEnvironment(context.Background(), nixFixture(t, fixture))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.Shutdown(context.Background()) })
	return env
}
