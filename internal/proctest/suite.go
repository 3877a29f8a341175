package proctest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/corralrun/corral/runners/base"
	"go.uber.org/goleak"
)

// Env is what the suite needs of a backend: a RunnerEnvironment whose
// grace period can be set.
type Env interface {
	base.RunnerEnvironment
	WithGracePeriod(time.Duration)
}

// Factory returns a fresh environment whose working directory is dir, an
// empty directory the suite created for the test. Processes of the
// environment must see dir at the same path and be able to write into
// it. The factory registers with t.Cleanup whatever it must release
// beyond what Shutdown does; it fails the test (or skips it, saying why)
// when it cannot build the environment. The suite calls Shutdown on the
// environment when the test ends.
type Factory func(t *testing.T, dir string) Env

// Backend is one implementation the suite runs over.
type Backend struct {
	// Name names the backend's subtest, as in "native-cgroup".
	Name string
	// New builds a fresh environment for each test.
	New Factory
	// Unsupported lists the tests the backend cannot honour, by their
	// name in Names ("Stop/WholeTree"), each with the reason, which the
	// test's skip message quotes. Declaring one is a statement that the
	// backend breaks the contract there: keep it rare, and write the
	// reason into the backend's documentation too. A name that is not a
	// test fails the run.
	Unsupported map[string]string
	// LeakOptions are extra goleak options for the goroutine check
	// ("Goroutines/NoneOutliveProc"): goroutines the environment keeps for
	// its own life, such as an API client's idle connections, that are
	// not the proc's.
	LeakOptions []goleak.Option
}

// A test is one case of the contract.
type test struct {
	name   string // "Group/Case"
	clause int    // of SPEC.md's Proc contract
	run    func(t *testing.T, f *fixture)
}

// tests is the whole suite, in the order of SPEC.md's clauses.
var tests = slices.Concat(outputTests, runTests, waitTests, stopTests,
	contextTests, runningTests, pipeTests, environmentTests, dirTests, goroutineTests)

// Names returns the name of every test of the suite, in the order they
// run, as Backend.Unsupported and `go test -run` name them.
func Names() []string {
	names := make([]string, len(tests))
	for i, tc := range tests {
		names[i] = tc.name
	}
	return names
}

// Run runs every test of the contract over each backend, as subtests
// named backend/group/case ("native-pgroup/Stop/WholeTree"), one after the
// other, each on a fresh environment from the backend's Factory.
func Run(t *testing.T, backends ...Backend) {
	t.Helper()
	if len(backends) == 0 {
		t.Fatal("proctest.Run: no backend given")
	}
	for _, b := range backends {
		checkBackend(t, b)
		t.Run(b.Name, func(t *testing.T) {
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					if reason, ok := b.Unsupported[tc.name]; ok {
						t.Skipf("%s does not honour clause %d here: %s", b.Name, tc.clause, reason)
					}
					tc.run(t, newFixture(t, b))
				})
			}
		})
	}
}

// checkBackend fails t when b is incomplete or declares what is no test.
func checkBackend(t *testing.T, b Backend) {
	t.Helper()
	if b.Name == "" || b.New == nil {
		t.Fatalf("proctest.Run: backend %q needs a Name and a New factory", b.Name)
	}
	names := Names()
	for name, reason := range b.Unsupported {
		if !slices.Contains(names, name) {
			t.Fatalf("proctest.Run: backend %s declares %q unsupported, which is not a test; the tests are %s",
				b.Name, name, strings.Join(names, ", "))
		}
		if strings.TrimSpace(reason) == "" {
			t.Fatalf("proctest.Run: backend %s declares %q unsupported without a reason", b.Name, name)
		}
	}
}
