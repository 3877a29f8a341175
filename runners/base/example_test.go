package base_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
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

// Start a process, talk to it while it runs, then wait for its end.
func ExampleNativeProc_Start() {
	ctx := context.Background()
	env, err := base.NewNativeEnvironment(ctx, os.TempDir())
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := env.NewProcess("tr", "a-z", "A-Z")
	if err != nil {
		fmt.Println(err)
		return
	}
	proc := p.(base.HostProc)
	stdin, err := proc.StdinPipe()
	if err != nil {
		fmt.Println(err)
		return
	}
	proc.WithOutput(os.Stdout)
	if err := proc.Start(ctx); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Fprintln(stdin, "hello, corral")
	stdin.Close() // EOF: tr exits
	fmt.Println("Wait:", proc.Wait(ctx))
	// Output:
	// HELLO, CORRAL
	// Wait: <nil>
}

// Read a process's stdout as raw bytes. The pipe is not closed by Wait,
// so reading it to EOF before or after Wait both work; a process writing
// more than the pipe holds needs a concurrent reader, or Wait waits for it.
func ExampleNativeProc_StdoutPipe() {
	ctx := context.Background()
	env, err := base.NewNativeEnvironment(ctx, os.TempDir())
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := env.NewProcess("sh", "-c", `printf 'one\ntwo'`)
	if err != nil {
		fmt.Println(err)
		return
	}
	stdout, err := p.(base.HostProc).StdoutPipe()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer stdout.Close()
	if err := p.Start(ctx); err != nil {
		fmt.Println(err)
		return
	}
	b, err := io.ReadAll(stdout) // EOF once every process of the tree closed it
	fmt.Printf("%q %v\n", b, err)
	fmt.Println("Wait:", p.Wait(ctx))
	// Output:
	// "one\ntwo" <nil>
	// Wait: <nil>
}

// Stop a tree: SIGTERM, the grace period, then SIGKILL. A tree ended by
// our own Stop is no error.
func ExampleNativeProc_Stop() {
	ctx := context.Background()
	env, err := base.NewNativeEnvironment(ctx, os.TempDir())
	if err != nil {
		fmt.Println(err)
		return
	}
	env.WithGracePeriod(time.Second)
	proc, err := env.NewProcess("sh", "-c", "sleep 60 & sleep 60")
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := proc.Start(ctx); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("Stop:", proc.Stop(ctx)) // returns once both sleeps are gone
	fmt.Println("Wait:", proc.Wait(ctx))
	// Output:
	// Stop: <nil>
	// Wait: <nil>
}

// Cancelling the start context stops the whole tree as Stop does; Run
// (and Wait) then return the context's error.
func ExampleNativeProc_Run_contextCancelled() {
	env, err := base.NewNativeEnvironment(context.Background(), os.TempDir())
	if err != nil {
		fmt.Println(err)
		return
	}
	proc, err := env.NewProcess("sleep", "60")
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err = proc.Run(ctx)
	fmt.Println(err, errors.Is(err, context.DeadlineExceeded))
	// Output:
	// context deadline exceeded true
}

// What a host process offers beyond Proc, by type assertion: here a
// signal to the whole tree, which (unlike Stop) makes the tree's end the
// process's own.
func ExampleHostProc() {
	ctx := context.Background()
	env, err := base.NewNativeEnvironment(ctx, os.TempDir())
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := env.NewProcess("sleep", "60")
	if err != nil {
		fmt.Println(err)
		return
	}
	proc, ok := p.(base.HostProc)
	if !ok {
		fmt.Println("not a process on this host")
		return
	}
	fmt.Println("PID before Start:", proc.PID())
	if err := proc.Start(ctx); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("PID after Start > 0:", proc.PID() > 0)
	fmt.Println("Signal:", proc.Signal(syscall.SIGTERM))
	var exit *base.ExitError
	if err := proc.Wait(ctx); errors.As(err, &exit) {
		fmt.Println("exit code", exit.ExitCode()) // 128 + SIGTERM
	}
	fmt.Println("Signal after the end:", proc.Signal(syscall.SIGTERM))
	// Output:
	// PID before Start: 0
	// PID after Start > 0: true
	// Signal: <nil>
	// exit code 143
	// Signal after the end: os: process already finished
}

// At start-up, before starting trees of its own, a program stops the
// trees that a previous run of it (or any supervisor of this user) left
// behind when it died, and removes their records.
func ExampleReap() {
	defer useExampleHome()()
	report, err := base.Reap(context.Background(), base.ReapOptions{})
	if err != nil {
		fmt.Println("reap:", err)
		return
	}
	for _, t := range report.Reaped {
		fmt.Printf("stopped %s (owner %d dead): %d processes signalled\n", t.Name, t.Owner, t.Signalled)
	}
	fmt.Println(len(report.Reaped), "trees reaped,", len(report.SetAside), "records set aside")
	// Output:
	// 0 trees reaped, 0 records set aside
}

// List the recorded trees whose processes still run, as `corral ps` does.
func ExampleListTrees() {
	defer useExampleHome()()
	ctx := context.Background()
	env, err := base.NewNativeEnvironment(ctx, os.TempDir())
	if err != nil {
		fmt.Println(err)
		return
	}
	proc, err := env.NewProcess("sleep", "60")
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := proc.Start(ctx); err != nil {
		fmt.Println(err)
		return
	}
	defer proc.Stop(ctx)
	trees, err := base.ListTrees(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range trees {
		fmt.Printf("%s: %d process, owner alive %v, leader is ours %v\n",
			t.Name, t.Processes, t.OwnerAlive, t.Leader == proc.(base.HostProc).PID())
	}
	// Output:
	// sleep: 1 process, owner alive true, leader is ours true
}

// Sample the resources of a running tree by its leader's PID.
func ExampleTrackedProcess() {
	ctx := context.Background()
	env, err := base.NewNativeEnvironment(ctx, os.TempDir())
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := env.NewProcess("sleep", "60")
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := p.Start(ctx); err != nil {
		fmt.Println(err)
		return
	}
	defer p.Stop(ctx)
	tracked := &base.TrackedProcess{PID: p.(base.HostProc).PID()}
	state, err := tracked.GetState(ctx)
	fmt.Println("found:", err == nil && state != base.NotFound)
	// A program's pages count once exec has loaded it: right after
	// Start it may not have been, so look again for a moment.
	var mem *base.Memory
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		mem, err = tracked.GetMemory(ctx)
		if err == nil && mem.Used > 0 || time.Now().After(deadline) {
			break
		}
	}
	fmt.Println("resident memory:", err == nil && mem.Used > 0)
	cpu, err := tracked.GetCPU(ctx) // since the process started
	fmt.Println("CPU sampled:", err == nil && cpu.Usage >= 0)
	// Output:
	// found: true
	// resident memory: true
	// CPU sampled: true
}

// useExampleHome points CORRAL_HOME at a new directory, so that an
// example sees only its own trees, and returns what puts things back.
func useExampleHome() (restore func()) {
	dir, err := os.MkdirTemp("", "corral-example-")
	if err != nil {
		panic(err)
	}
	old, had := os.LookupEnv("CORRAL_HOME")
	os.Setenv("CORRAL_HOME", dir)
	return func() {
		base.Reap(context.Background(), base.ReapOptions{}) // removes the home's empty cgroup directory
		if had {
			os.Setenv("CORRAL_HOME", old)
		} else {
			os.Unsetenv("CORRAL_HOME")
		}
		os.RemoveAll(dir)
	}
}
