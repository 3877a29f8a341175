package base_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/corralrun/corral/runners/base"
)

// Run a command in a flake's dev shell: materialised once, cached, so
// that the next run of the program starts without nix. (Not run by go
// test: it needs nix and a flake.)
func ExampleNixEnvironment() {
	ctx := context.Background()
	env, err := base.NewNixEnvironment(ctx, "./my-project") // holds flake.nix
	if err != nil {
		fmt.Println(err) // no nix, no flake.nix: one line saying what to do
		return
	}
	defer env.Shutdown(ctx)
	home, _ := os.UserHomeDir()
	env.WithCacheDir(filepath.Join(home, ".cache", "my-tool", "nix"))
	if err := env.Init(ctx); err != nil {
		fmt.Println(err) // nix's own message when the flake is broken
		return
	}
	fmt.Println("FOO is", env.Materialized()["FOO"])
	proc, err := env.NewProcess("sh", "-c", `echo "$FOO"`)
	if err != nil {
		fmt.Println(err) // ErrBinaryNotFound: not in the shell's PATH
		return
	}
	proc.WithOutput(os.Stdout)
	if err := proc.Run(ctx); err != nil {
		fmt.Println(err)
	}
}
