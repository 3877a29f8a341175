// Package proctest is the Proc contract of SPEC.md ("Proc contract (every
// backend)", clauses 1 to 10) as a test suite that every backend runs:
// Native (both containments), Nix and Docker run the same tests, so that
// a difference between backends shows as a failing test.
//
// A backend's test calls Run with one Backend per configuration:
//
//	func TestProcContract(t *testing.T) {
//		proctest.Run(t, proctest.Backend{Name: "native", New: newNative})
//	}
//
// Run runs every test as a subtest named backend/group/case
// ("native/Stop/WholeTree"), one after the other; Names lists them.
//
// The groups follow the clauses: Output (1), Run (2), Wait and Start (3),
// Stop (4), Context (5), IsRunning (6), Pipes (7), Environment (8), Dir
// (9), Goroutines (10). Not in the suite: clause 1's cap on a line's
// length (64 MiB by default, settable), whose setter is no part of
// RunnerEnvironment, and clause 6's PID reuse, which a test cannot
// provoke.
//
// # What a backend must provide
//
//   - A Factory: given the test and an empty directory the suite made
//     (t.TempDir), a fresh Env (a RunnerEnvironment with WithGracePeriod)
//     whose working directory is that directory. Its processes must see
//     the directory at the same path and be able to write into it: a
//     container bind-mounts it at the same path. The suite calls Shutdown
//     when the test ends; the factory registers any other cleanup.
//   - A POSIX sh named "sh" in the PATH of its processes, with the usual
//     utilities: sleep (fractional seconds), mv, kill, tr, grep, awk, dd,
//     cat, pwd, printf. Busybox is enough: the suite's own test runs it
//     over Native with nothing but busybox's applets in PATH. setsid is
//     used where present.
//   - Where /proc is mounted for its processes, a /proc in which they see
//     each other (the same PID namespace for every process of the
//     environment); without /proc, ps(1) with -o stat= -p.
//
// # How the suite observes a tree
//
// Helper programs are sh scripts passed as NewProcess("sh", "-c", script,
// "sh", args...), never binaries of the host, so they run wherever the
// backend runs its processes. The tree a Stop test stops has a child, a
// child that ignores SIGTERM, a child in a session of its own (setsid),
// an orphaned grandchild, and a grandchild in a session of its own that
// ignores SIGTERM under a parent that stays. Members of a tree report themselves by
// writing their PID to a file under the directory (a temporary file
// renamed into place) and then exec sleep, keeping that PID; the leader
// reports last, once all members did. The test reads the files on the
// host side; whether a PID is still alive it asks the backend, in a new
// process of the same environment (kill -0, then the state and the
// environment in /proc): never the host's /proc, so the check works
// inside a container, where PIDs are the container's. A zombie counts as
// gone. Every process a test starts carries PROCTEST_MARK, unique to the
// test, and a PID counts as the test's only while its process carries
// it, so a recycled PID is never taken for a member. Before a tree is
// stopped, the same check must find every member alive: the check cannot
// pass by seeing nothing.
//
// # Bounds and cleanup
//
// Every test runs under a 60-second context and waits on conditions,
// never on a fixed sleep. Every proc a test makes is stopped in a
// cleanup, then any process that reported itself and still lives is
// SIGKILLed (through the backend) and fails the test, then the
// environment is shut down. The suite leaves no goroutine of its own
// behind; the importing package guards that with goleak.VerifyTestMain,
// and the test "Goroutines/NoneOutliveProc" checks clause 10 itself.
//
// # Clauses a backend cannot honour
//
// Backend.Unsupported names a test the backend cannot pass, with the
// reason; the test is then skipped with that reason. It exists for a
// limit of the platform, not for a bug: keep it rare, and say the same
// in the backend's documentation. Native declares none.
//
// # Adding a backend
//
// Write a Factory (for a container: create it with the directory
// bind-mounted at the same path and busybox or another sh in the image;
// register its removal; call SkipOrFail when the engine or tool it needs
// is missing), then call Run from the backend's own test package with
// goleak.VerifyTestMain in its TestMain. Run the suite with
// -race. What is particular to one backend — records on disk, the
// binary looked up with the final PATH, a SIGSTOPped tree, the
// containment — stays in that backend's own tests.
package proctest
