package proctest_test

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/corralrun/corral/internal/proctest"
	"github.com/corralrun/corral/resources"
	"github.com/corralrun/corral/runners/base"
)

// brokenVar, in a child test process, names the broken backend that
// TestSuiteCatchesBrokenBackends runs the suite over.
const brokenVar = "PROCTEST_BROKEN_BACKEND"

// brokenBackends each break one promise of the contract; mustFail are the
// tests that must catch it (the child runs only those), unsupported what
// the backend declares it cannot do.
var brokenBackends = map[string]struct {
	mustFail    []string
	unsupported map[string]string
}{
	"stop-does-nothing":   {mustFail: []string{"Stop/WholeTree"}},
	"no-grace-period":     {mustFail: []string{"Stop/WholeTree", "Context/CancelStopsTree"}},
	"split-writes":        {mustFail: []string{"Output/OneWritePerLine", "Output/Line1MiB", "Output/StreamsDoNotInterleave"}},
	"env-vars-dropped":    {mustFail: []string{"Environment/Precedence", "Environment/Appends"}},
	"with-dir-ignored":    {mustFail: []string{"Dir/WithDir"}},
	"exit-code-lost":      {mustFail: []string{"Run/ExitCodes", "Wait/SameResultForAll"}},
	"goroutine-left":      {mustFail: []string{"Goroutines/NoneOutliveProc"}},
	"running-after-exit":  {mustFail: []string{"IsRunning/FalseAfterExit", "IsRunning/UntilStop"}},
	"not-found-is-found":  {mustFail: []string{"Dir/BinaryNotFound"}},
	"declared-dir-broken": {unsupported: map[string]string{"Dir/WithDir": "this fake backend has no WithDir"}},
}

// A test that cannot fail proves nothing: the suite, run in a child test
// process over Native with one promise broken, must fail the tests of
// that promise; a test the backend declares unsupported is skipped with
// the declared reason.
func TestSuiteCatchesBrokenBackends(t *testing.T) {
	if kind := os.Getenv(brokenVar); kind != "" {
		b := brokenBackends[kind]
		proctest.Run(t, proctest.Backend{Name: kind, New: newBroken(kind), Unsupported: b.unsupported})
		return
	}
	for kind, b := range brokenBackends {
		t.Run(kind, func(t *testing.T) {
			names := b.mustFail
			for name := range b.unsupported {
				names = append(names, name)
			}
			out, err := runBrokenChild(t, kind, names)
			if len(b.mustFail) > 0 && err == nil {
				t.Fatalf("the suite passed over a backend that breaks %q:\n%s", kind, out)
			}
			for _, name := range b.mustFail {
				if !strings.Contains(out, "--- FAIL: TestSuiteCatchesBrokenBackends/"+kind+"/"+name+" ") {
					t.Errorf("%s did not fail over the backend %q:\n%s", name, kind, out)
				}
			}
			for name, reason := range b.unsupported {
				if !strings.Contains(out, "--- SKIP: TestSuiteCatchesBrokenBackends/"+kind+"/"+name+" ") || !strings.Contains(out, reason) {
					t.Errorf("%s, declared unsupported, was not skipped with its reason:\n%s", name, out)
				}
			}
			if len(b.mustFail) == 0 && err != nil {
				t.Errorf("child failed: %v\n%s", err, out)
			}
		})
	}
}

// runBrokenChild runs the named tests of the suite over the broken
// backend kind, in a child test process, and returns its output.
func runBrokenChild(t *testing.T, kind string, names []string) (string, error) {
	var groups, cases []string
	for _, name := range names {
		g, c, _ := strings.Cut(name, "/")
		groups, cases = append(groups, g), append(cases, c)
	}
	run := "^TestSuiteCatchesBrokenBackends$/^" + kind + "$/^(" + strings.Join(groups, "|") + ")$/^(" + strings.Join(cases, "|") + ")$"
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run="+run, "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), brokenVar+"="+kind)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// newBroken is a factory of Native environments that break the promise
// kind.
func newBroken(kind string) proctest.Factory {
	return func(t *testing.T, dir string) proctest.Env {
		t.Setenv("CORRAL_HOME", t.TempDir())
		env, err := base.NewNativeEnvironment(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		return &brokenEnv{NativeEnvironment: env, kind: kind}
	}
}

type brokenEnv struct {
	*base.NativeEnvironment
	kind string
}

func (e *brokenEnv) WithGracePeriod(d time.Duration) {
	if e.kind == "no-grace-period" {
		d = 0
	}
	e.NativeEnvironment.WithGracePeriod(d)
}

func (e *brokenEnv) WithEnvironmentVariables(ctx context.Context, envs ...*resources.EnvironmentVariable) {
	if e.kind != "env-vars-dropped" {
		e.NativeEnvironment.WithEnvironmentVariables(ctx, envs...)
	}
}

func (e *brokenEnv) NewProcess(bin string, args ...string) (base.Proc, error) {
	p, err := e.NativeEnvironment.NewProcess(bin, args...)
	if e.kind == "not-found-is-found" && errors.Is(err, base.ErrBinaryNotFound) {
		return e.NativeEnvironment.NewProcess("true")
	}
	if err != nil {
		return nil, err
	}
	return &brokenProc{Proc: p, kind: e.kind}, nil
}

type brokenProc struct {
	base.Proc
	kind string
}

func (p *brokenProc) Stop(ctx context.Context) error {
	if p.kind == "stop-does-nothing" {
		return nil
	}
	return p.Proc.Stop(ctx)
}

func (p *brokenProc) WithOutput(w io.Writer) {
	if p.kind == "split-writes" && w != nil {
		w = splitWriter{w}
	}
	p.Proc.WithOutput(w)
}

func (p *brokenProc) WithDir(dir string) {
	if p.kind != "with-dir-ignored" && p.kind != "declared-dir-broken" {
		p.Proc.WithDir(dir)
	}
}

func (p *brokenProc) Run(ctx context.Context) error { return p.result(p.Proc.Run(ctx)) }

func (p *brokenProc) Wait(ctx context.Context) error {
	if p.kind == "goroutine-left" {
		go func() { select {} }()
	}
	return p.result(p.Proc.Wait(ctx))
}

func (p *brokenProc) result(err error) error {
	var ee interface{ ExitCode() int }
	if p.kind == "exit-code-lost" && errors.As(err, &ee) {
		return nil
	}
	return err
}

func (p *brokenProc) IsRunning(ctx context.Context) (bool, error) {
	running, err := p.Proc.IsRunning(ctx)
	if p.kind == "running-after-exit" {
		return true, err
	}
	return running, err
}

// splitWriter delivers each line in two Writes.
type splitWriter struct{ w io.Writer }

func (s splitWriter) Write(b []byte) (int, error) {
	if len(b) < 2 {
		return s.w.Write(b)
	}
	n, err := s.w.Write(b[:len(b)/2])
	if err != nil {
		return n, err
	}
	m, err := s.w.Write(b[len(b)/2:])
	return n + m, err
}
