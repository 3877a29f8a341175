package base_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/corralrun/corral/internal/proctest"
	"github.com/corralrun/corral/runners/base"
)

// The Proc contract suite over the Nix backend, in both modes: wrapped
// (each process through nix develop) and materialised (after Init, the
// process runs directly in the shell's environment). Nix declares no
// test unsupported.
func TestNixProcContract(t *testing.T) {
	proctest.Run(t,
		proctest.Backend{Name: "nix-wrapped", New: newNixWrapped},
		proctest.Backend{Name: "nix-materialised", New: newNixMaterialised},
	)
}

func newNixWrapped(t *testing.T, dir string) proctest.Env { return newNix(t, dir) }

func newNixMaterialised(t *testing.T, dir string) proctest.Env {
	t.Helper()
	env := newNix(t, dir)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := env.Init(ctx); err != nil {
		t.Fatal(err)
	}
	return env
}

// newNix is a Nix environment over the vars fixture written into dir,
// recording its trees in a CORRAL_HOME of the test's own; without nix
// (and flakes) the test is skipped, or fails under CI=true.
func newNix(t *testing.T, dir string) *base.NixEnvironment {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if p := base.ProbeNix(ctx); !p.Usable() {
		proctest.SkipOrFail(t, "nix with flakes is not usable here (scripts/services/nix.sh installs it and prints the NIX_CONFIG to test with)")
	}
	flake, err := os.ReadFile(filepath.Join("..", "..", "testdata", "nix", "vars", "flake.nix"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "flake.nix"), flake, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CORRAL_HOME", t.TempDir())
	env, err := base.NewNixEnvironment(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	return env
}
