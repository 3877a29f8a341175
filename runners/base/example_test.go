package base_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/corralrun/corral/resources"
	"github.com/corralrun/corral/runners/base"
)

// Run a command on the host and collect its output, one line per Write.
func ExampleNativeEnvironment() {
	ctx := context.Background()
	env, err := base.NewNativeEnvironment(ctx, os.TempDir())
	if err != nil {
		fmt.Println(err)
		return
	}
	env.WithGracePeriod(2 * time.Second)
	proc, err := env.NewProcess("sh", "-c", `echo "hello, $WHO"; exit 3`)
	if err != nil {
		fmt.Println(err)
		return
	}
	proc.WithEnvironmentVariables(ctx, resources.Env("WHO", "corral"))
	proc.WithOutput(os.Stdout)
	err = proc.Run(ctx)
	var exit *base.ExitError
	if errors.As(err, &exit) {
		fmt.Println("exit code", exit.ExitCode())
	}
	// Output:
	// hello, corral
	// exit code 3
}
