package main

import (
	"os"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

func TestVersionLine(t *testing.T) {
	tests := []struct {
		name string
		info *debug.BuildInfo
		want string
	}{
		{"no build information", nil, "corral (unknown version), unknown revision"},
		{"checkout without VCS stamp", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "corral (devel), unknown revision"},
		{"released module", &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}}, "corral v1.4.0, unknown revision"},
		{"stamped checkout", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "923aa25f00"}, {Key: "vcs.modified", Value: "false"},
		}}, "corral (devel), revision 923aa25f00"},
		{"dirty checkout", &debug.BuildInfo{Main: debug.Module{Version: "v1.4.1-0.20261206-923aa25f00"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "923aa25f00"}, {Key: "vcs.modified", Value: "true"},
		}}, "corral v1.4.1-0.20261206-923aa25f00, revision 923aa25f00 (modified)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := versionLine(tt.info); got != tt.want {
				t.Errorf("versionLine = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestVersionCommand: `corral version` and `corral --version` print the
// same one line, from the test binary's own build information.
func TestVersionCommand(t *testing.T) {
	want := buildVersion() + "\n"
	if !strings.HasPrefix(want, "corral ") || !strings.Contains(want, "revision") {
		t.Fatalf("buildVersion() = %q, want corral VERSION, … revision", want)
	}
	for _, args := range [][]string{{"version"}, {"--version"}, {"-v"}} {
		r := runCLI(t, "", args...)
		if r.code != 0 || r.stdout != want || r.stderr != "" {
			t.Errorf("corral %v: exit %d, stdout %q, stderr %q; want 0 and %q", args, r.code, r.stdout, r.stderr, want)
		}
	}
}

func TestParseEnvFlag(t *testing.T) {
	host := map[string]string{"HOSTVAR": "from host", "EMPTYVAR": ""}
	lookup := func(k string) (string, bool) { v, ok := host[k]; return v, ok }
	tests := []struct {
		in        string
		wantKV    string // "" when the variable is not set
		wantError bool
	}{
		{"K=v", "K=v", false},
		{"K=", "K=", false},
		{"K=a=b", "K=a=b", false},
		{"HOSTVAR=mine", "HOSTVAR=mine", false},
		{"HOSTVAR", "HOSTVAR=from host", false},
		{"EMPTYVAR", "EMPTYVAR=", false}, // set empty on the host: set empty
		{"ABSENT", "", false},            // not on the host: not set
		{"", "", true},
		{"=v", "", true},
		{"A\x00B", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			e, err := parseEnvFlag(tt.in, lookup)
			if (err != nil) != tt.wantError {
				t.Fatalf("parseEnvFlag(%q) error %v, want error: %v", tt.in, err, tt.wantError)
			}
			got := ""
			if e != nil {
				got = e.Key + "=" + e.ValueAsString()
			}
			if got != tt.wantKV {
				t.Errorf("parseEnvFlag(%q) = %q, want %q", tt.in, got, tt.wantKV)
			}
		})
	}
}

// TestRunEnvFromHost: -e KEY gives the command corral's value, and a KEY
// corral lacks stays unset in the command.
func TestRunEnvFromHost(t *testing.T) {
	t.Setenv("CORRAL_TEST_PASSED", "host value")
	r := runCLI(t, "", "run", "-e", "CORRAL_TEST_PASSED", "-e", "CORRAL_TEST_ABSENT", "--",
		"sh", "-c", `echo "$CORRAL_TEST_PASSED|${CORRAL_TEST_ABSENT-unset}"`)
	if r.code != 0 || r.stdout != "host value|unset\n" {
		t.Errorf("exit %d, stdout %q, stderr %q; want host value|unset", r.code, r.stdout, r.stderr)
	}
}

func TestParseGrace(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr string // substring of the error; "" for none
	}{
		{"0", 0, ""},
		{"10s", 10 * time.Second, ""},
		{"1m30s", 90 * time.Second, ""},
		{"24h", 24 * time.Hour, ""},
		{"24h0m1s", 0, "24h limit"},
		{"10000h", 0, "24h limit"},
		{"-1s", 0, "zero or more"},
		{"soon", 0, "such as 10s"},
		{"10", 0, "such as 10s"},
		{"", 0, "such as 10s"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseGrace(tt.in)
			switch {
			case tt.wantErr == "" && (err != nil || got != tt.want):
				t.Errorf("parseGrace(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("parseGrace(%q) error %v, want one holding %q", tt.in, err, tt.wantErr)
			}
		})
	}
}

// TestRunGraceIsUsed: a --grace within the limit reaches the run (a
// command that exits at once is not slowed by a long one).
func TestRunGraceIsUsed(t *testing.T) {
	r := runCLI(t, "", "run", "--grace", "24h", "--", "sh", "-c", "exit 5")
	if r.code != 5 || r.stderr != "" {
		t.Errorf("exit %d, stderr %q; want 5 and nothing", r.code, r.stderr)
	}
}

func TestCheckCorralEnv(t *testing.T) {
	tests := []struct {
		env     map[string]string
		wantErr string // "" for none
	}{
		{map[string]string{}, ""},
		{map[string]string{"CORRAL_HOME": "/abs/home"}, ""},
		{map[string]string{"CORRAL_HOME": "rel"}, `CORRAL_HOME="rel" is a relative path`},
		{map[string]string{"CORRAL_HOME": "./rel"}, `CORRAL_HOME="./rel"`},
		{map[string]string{"CORRAL_HOME": "~/x"}, `CORRAL_HOME="~/x"`}, // the shell did not expand it
		{map[string]string{"CORRAL_CONTAINMENT": "pgroup"}, ""},
		{map[string]string{"CORRAL_CONTAINMENT": "cgroup"}, `CORRAL_CONTAINMENT="cgroup" is not known`},
		{map[string]string{"CORRAL_CONTAINMENT": "PGROUP"}, `CORRAL_CONTAINMENT="PGROUP"`},
	}
	for _, tt := range tests {
		err := checkCorralEnv("corral run", func(k string) string { return tt.env[k] })
		if tt.wantErr == "" && err != nil {
			t.Errorf("%v: %v", tt.env, err)
		}
		if tt.wantErr != "" && (exitCode(err) != 2 || !strings.Contains(errorLine(err), tt.wantErr)) {
			t.Errorf("%v: error line %q (exit %d), want exit 2 and %q", tt.env, errorLine(err), exitCode(err), tt.wantErr)
		}
	}
}

// TestReadmeNamesGoVersion: the README names the Go release go.mod needs
// and says the first run compiles, so the two cannot drift apart.
func TestReadmeNamesGoVersion(t *testing.T) {
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	var goLine string
	for _, l := range strings.Split(string(mod), "\n") {
		if v, ok := strings.CutPrefix(l, "go "); ok {
			goLine = strings.TrimSpace(v)
		}
	}
	parts := strings.Split(goLine, ".")
	if len(parts) < 2 {
		t.Fatalf("go.mod's go line %q is not a Go version", goLine)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Go " + parts[0] + "." + parts[1] + " or later", "compiles corral"} {
		if !strings.Contains(string(readme), want) {
			t.Errorf("README.md does not say %q (go.mod: go %s)", want, goLine)
		}
	}
}
