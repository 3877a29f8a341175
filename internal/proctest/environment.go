package proctest

import (
	"errors"
	"strings"
	"testing"

	"github.com/corralrun/corral/resources"
	"github.com/corralrun/corral/runners/base"
)

// Clause 8: environment variables.
var environmentTests = []test{
	{"Environment/Precedence", 8, testEnvPrecedence},
	{"Environment/Appends", 8, testEnvAppends},
	{"Environment/AppendToInheritedPath", 8, testEnvAppendInherited},
	{"Environment/InvalidVariable", 8, testEnvInvalid},
	{"Environment/InvalidEnvironmentLevelVariable", 8, testEnvInvalidEnvLevel},
	{"Environment/InvalidAppend", 8, testEnvInvalidAppend},
}

// printVars is a script printing the variables named by its arguments,
// each as "value|", on one line.
const printVars = `for k do eval "printf '%s|' \"\${$k}\""; done; echo`

// Environment-level variables, then process-level ones, the last value
// of a key winning within a layer; a process-level value wins over an
// environment-level one whenever each was set; environment-level
// variables set after NewProcess still apply; values are formatted with
// %v; the caller's variables are never modified.
func testEnvPrecedence(t *testing.T, f *fixture) {
	ctx := f.ctx
	envVar := resources.Env("PT_OVERRIDDEN", "env")
	procVar := resources.Env("PT_PROC", "second")
	f.env.WithEnvironmentVariables(ctx, resources.Env("PT_ENV", "first"), resources.Env("PT_ENV", "env-last"), envVar)
	p := f.sh(printVars, "PT_ENV", "PT_OVERRIDDEN", "PT_PROC", "PT_LATE", "PT_LATE_OVERRIDDEN")
	p.WithEnvironmentVariables(ctx, resources.Env("PT_OVERRIDDEN", "proc"), resources.Env("PT_PROC", "first"), procVar,
		resources.Env("PT_LATE_OVERRIDDEN", "proc"))
	f.env.WithEnvironmentVariables(ctx, resources.Env("PT_LATE", 42), resources.Env("PT_LATE_OVERRIDDEN", "env")) // after NewProcess
	if got, want := f.runLine(p), "env-last|proc|second|42|proc|\n"; got != want {
		t.Errorf("child saw %q, want %q (PT_ENV|PT_OVERRIDDEN|PT_PROC|PT_LATE|PT_LATE_OVERRIDDEN)", got, want)
	}
	requireUnchanged(t, envVar, "PT_OVERRIDDEN", "env")
	requireUnchanged(t, procVar, "PT_PROC", "second")
}

// An append builds on the value the process would otherwise see: the
// process-level value, else the environment-level one (also one set after
// NewProcess), else nothing; two appends build on each other.
func testEnvAppends(t *testing.T, f *fixture) {
	ctx := f.ctx
	f.env.WithEnvironmentVariables(ctx, resources.Env("PT_ENV", "e"), resources.Env("PT_BOTH", "e"))
	p := f.sh(printVars, "PT_UNSET", "PT_ENV", "PT_BOTH", "PT_LATE")
	p.WithEnvironmentVariables(ctx, resources.Env("PT_BOTH", "p"))
	appended := resources.Env("PT_UNSET", "a")
	p.WithEnvironmentVariablesAppend(ctx, appended, ":")
	p.WithEnvironmentVariablesAppend(ctx, resources.Env("PT_UNSET", "b"), ":")
	p.WithEnvironmentVariablesAppend(ctx, resources.Env("PT_ENV", "x"), ",")
	p.WithEnvironmentVariablesAppend(ctx, resources.Env("PT_BOTH", "y"), ";")
	p.WithEnvironmentVariablesAppend(ctx, resources.Env("PT_LATE", "z"), "+")
	f.env.WithEnvironmentVariables(ctx, resources.Env("PT_LATE", "late")) // after NewProcess
	if got, want := f.runLine(p), "a:b|e,x|p;y|late+z|\n"; got != want {
		t.Errorf("child saw %q, want %q (PT_UNSET|PT_ENV|PT_BOTH|PT_LATE)", got, want)
	}
	requireUnchanged(t, appended, "PT_UNSET", "a")
}

// Appending to PATH keeps the PATH the process inherits where it runs
// (the host's, the dev shell's, the image's: asked of the backend
// itself), and an environment-level PATH replaces it.
func testEnvAppendInherited(t *testing.T, f *fixture) {
	ctx := f.ctx
	path := strings.TrimSuffix(f.runLine(f.sh(printVars, "PATH")), "|\n")
	if path == "" {
		t.Fatal("the backend's processes see no PATH")
	}

	p := f.sh(printVars, "PATH")
	p.WithEnvironmentVariablesAppend(ctx, resources.Env("PATH", "/proctest-appended"), ":")
	if got, want := f.runLine(p), path+":/proctest-appended|\n"; got != want {
		t.Errorf("PATH after an append = %q, want %q", got, want)
	}

	f.env.WithEnvironmentVariables(ctx, resources.Env("PATH", path+":/proctest-env"))
	p = f.sh(printVars, "PATH")
	p.WithEnvironmentVariablesAppend(ctx, resources.Env("PATH", "/proctest-appended"), ":")
	if got, want := f.runLine(p), path+":/proctest-env:/proctest-appended|\n"; got != want {
		t.Errorf("PATH after an environment-level PATH and an append = %q, want %q", got, want)
	}
}

// runLine runs p, which must print one line, and returns it.
func (f *fixture) runLine(p base.Proc) string {
	f.t.Helper()
	rec := &recorder{}
	p.WithOutput(rec)
	if err := p.Run(f.ctx); err != nil {
		f.t.Fatalf("Run: %v (output %q)", err, rec.all())
	}
	w := rec.all()
	if len(w) != 1 {
		f.t.Fatalf("got writes %q, want one line", w)
	}
	return w[0]
}

// A process-level variable that is not KEY=VALUE material makes Start
// fail with an error naming it.
func testEnvInvalid(t *testing.T, f *fixture) {
	p := f.sh(`exit 0`)
	p.WithEnvironmentVariables(f.ctx, resources.Env("BAD=KEY", "v"))
	err := p.Start(f.ctx)
	if !errors.Is(err, resources.ErrInvalidEnvironmentVariable) || !strings.Contains(err.Error(), "BAD=KEY") {
		t.Fatalf("Start = %v, want an invalid-variable error naming BAD=KEY", err)
	}
}

// So does an invalid environment-level variable.
func testEnvInvalidEnvLevel(t *testing.T, f *fixture) {
	p := f.sh(`exit 0`)
	f.env.WithEnvironmentVariables(f.ctx, resources.Env("PT_NUL", "a\x00b"))
	err := p.Start(f.ctx)
	if !errors.Is(err, resources.ErrInvalidEnvironmentVariable) || !strings.Contains(err.Error(), "PT_NUL") {
		t.Fatalf("Start = %v, want an invalid-variable error naming PT_NUL", err)
	}
}

// An appended variable is validated like any other.
func testEnvInvalidAppend(t *testing.T, f *fixture) {
	for _, bad := range []*resources.EnvironmentVariable{
		resources.Env("PATH=/evil", "x"), resources.Env("", "x"), resources.Env("K", "a\x00b"),
	} {
		p := f.sh(`exit 0`)
		p.WithEnvironmentVariablesAppend(f.ctx, bad, ":")
		if err := p.Start(f.ctx); !errors.Is(err, resources.ErrInvalidEnvironmentVariable) {
			t.Errorf("Start with the append %q = %v, want an invalid-variable error", bad.Key, err)
		}
	}
}

func requireUnchanged(t *testing.T, v *resources.EnvironmentVariable, key string, value any) {
	t.Helper()
	if v.Key != key || v.Value != value {
		t.Errorf("the caller's variable was modified: %+v, want %s=%v", v, key, value)
	}
}
