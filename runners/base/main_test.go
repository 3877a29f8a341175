package base

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// helperEnv names the helper a re-executed test binary should act as.
// The test binary doubles as every child process the tests need, as
// os/exec's own tests do.
const helperEnv = "CORRAL_TEST_HELPER"

// helpers are the child processes the tests start: name -> main.
var helpers = map[string]func(args []string) int{}

// TestMain runs a helper when the binary was started as one; otherwise
// it checks the registry (every helper registered is started by some
// test) and runs the tests under goleak.
func TestMain(m *testing.M) {
	if name := os.Getenv(helperEnv); name != "" {
		h, ok := helpers[name]
		if !ok {
			fmt.Fprintf(os.Stderr, "unknown test helper %q\n", name)
			os.Exit(2)
		}
		os.Exit(h(os.Args[1:]))
	}
	unused, err := unusedHelpers(".", helpers)
	if err != nil {
		fmt.Fprintf(os.Stderr, "check the test helper registry: %v\n", err)
		os.Exit(2)
	}
	if len(unused) > 0 {
		fmt.Fprintf(os.Stderr, "test helpers registered but started by no test: %v; remove them\n", unused)
		os.Exit(2)
	}
	goleak.VerifyTestMain(m)
}
