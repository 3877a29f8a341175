package main

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/corralrun/corral/runners/base"
)

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string // substrings of the one stderr line
		env  []string // KEY=VALUE set for the test
	}{
		{"no command", nil, []string{"missing command", "'corral --help'"}, nil},
		{"unknown command", []string{"frobnicate"}, []string{`unknown command "frobnicate"`}, nil},
		{"mistyped command", []string{"doctr"}, []string{`unknown command "doctr"`, `did you mean "doctor"?`}, nil},
		{"mistyped run", []string{"rnu", "--", "true"}, []string{`did you mean "run"?`}, nil},
		{"version with argument", []string{"version", "x"}, []string{`unexpected argument "x"`}, nil},
		{"--grace over the limit", []string{"run", "--grace", "25h", "--", "true"}, []string{`invalid argument "25h" for "--grace"`, "24h limit"}, nil},
		{"--grace far over the limit", []string{"run", "--grace", "10000h", "--", "true"}, []string{`"10000h"`, "24h limit"}, nil},
		{"relative CORRAL_HOME, run", []string{"run", "--", "true"}, []string{`CORRAL_HOME="rel/home"`, "relative", "absolute"}, []string{"CORRAL_HOME=rel/home"}},
		{"relative CORRAL_HOME, ps", []string{"ps"}, []string{`CORRAL_HOME="./h"`}, []string{"CORRAL_HOME=./h"}},
		{"relative CORRAL_HOME, reap", []string{"reap"}, []string{`CORRAL_HOME="h"`}, []string{"CORRAL_HOME=h"}},
		{"unknown CORRAL_CONTAINMENT", []string{"run", "--", "true"}, []string{`CORRAL_CONTAINMENT="cgroups"`, "pgroup"}, []string{"CORRAL_CONTAINMENT=cgroups"}},
		{"unknown CORRAL_CONTAINMENT, reap", []string{"reap"}, []string{`CORRAL_CONTAINMENT="bogus"`}, []string{"CORRAL_CONTAINMENT=bogus"}},
		{"unknown root flag", []string{"--frob"}, []string{"unknown flag: --frob"}, nil},
		{"unknown run flag", []string{"run", "--frob", "--", "true"}, []string{"unknown flag: --frob", "'corral run --help'"}, nil},
		{"run without command", []string{"run"}, []string{"missing the command to run"}, nil},
		{"run with only --", []string{"run", "--"}, []string{"missing the command to run"}, nil},
		{"bad -e empty", []string{"run", "-e", "", "--", "true"}, []string{`bad -e ""`, "empty key"}, nil},
		{"bad -e NUL in key", []string{"run", "-e", "A\x00B", "--", "true"}, []string{"bad -e", "NUL"}, nil},
		{"bad -e empty key", []string{"run", "-e", "=v", "--", "true"}, []string{`bad -e "=v"`, "empty key"}, nil},
		{"bad --grace", []string{"run", "--grace", "soon", "--", "true"}, []string{`invalid argument "soon" for "--grace"`}, nil},
		{"negative --grace", []string{"run", "--grace", "-1s", "--", "true"}, []string{`invalid argument "-1s" for "--grace"`, "zero or more"}, nil},
		{"bad --stop-signal", []string{"run", "--stop-signal", "SIGBOGUS", "--", "true"}, []string{`bad --stop-signal "SIGBOGUS"`}, nil},
		{"--stop-signal KILL", []string{"run", "--stop-signal", "9", "--", "true"}, []string{`bad --stop-signal "9"`, "--grace 0"}, nil},
		{"unknown backend", []string{"run", "--backend", "podman", "--", "true"}, []string{`unknown backend "podman"`}, nil},
		{"-p with native", []string{"run", "-p", "8080:80", "--", "true"}, []string{"-p needs --backend docker"}, nil},
		{"-p with auto", []string{"run", "--backend", "auto", "-p", "8080:80", "--", "true"}, []string{"-p needs --backend docker"}, nil},
		{"bad -p", []string{"run", "--backend", "docker", "-p", "8080", "--", "true"}, []string{`bad -p "8080"`, "HOST:CONTAINER"}, nil},
		{"-p out of range", []string{"run", "--backend", "docker", "-p", "70000:80", "--", "true"}, []string{`bad -p "70000:80"`, "1-65535"}, nil},
		{"nix backend without flake.nix", []string{"run", "--backend", "nix", "--dir", "/", "--", "true"}, []string{`no flake.nix in "/"`}, nil},
		{"nix backend, missing --dir", []string{"run", "--backend", "nix", "--dir", "/nonexistent-corral-dir", "--", "true"}, []string{`bad --dir "/nonexistent-corral-dir"`}, nil},
		{"env without flake.nix", []string{"env", "--dir", "/"}, []string{`no flake.nix in "/"`, "'corral env --help'"}, nil},
		{"env, missing --dir", []string{"env", "--dir", "/nonexistent-corral-dir"}, []string{`bad --dir "/nonexistent-corral-dir"`}, nil},
		{"env with argument", []string{"env", "x"}, []string{`unexpected argument "x"`}, nil},
		{"env unknown flag", []string{"env", "--frob"}, []string{"unknown flag: --frob"}, nil},
		{"docker backend without image", []string{"run", "--backend", "docker", "--", "true"}, []string{"--backend docker needs --image REF"}, nil},
		{"auto with a bad image", []string{"run", "--image", "Bad:Ref:x", "--", "true"}, []string{"bad --image", `"Bad:Ref:x"`}, nil},
		{"native with image", []string{"run", "--backend", "native", "--image", "busybox", "--", "true"}, []string{"--image needs --backend docker"}, nil},
		{"bad log level", []string{"--log-level", "loud", "port"}, []string{`"loud"`, "--log-level"}, nil},
		{"missing --dir", []string{"run", "--dir", "/nonexistent-corral-dir", "--", "true"}, []string{`bad --dir "/nonexistent-corral-dir"`}, nil},
		{"--dir is a file", []string{"run", "--dir", "/etc/passwd", "--", "true"}, []string{`bad --dir "/etc/passwd"`}, nil},
		{"unknown help topic", []string{"help", "bogus"}, []string{`unknown help topic "bogus"`}, nil},
		{"port with argument", []string{"port", "x"}, []string{`unexpected argument "x"`, "'corral port --help'"}, nil},
		{"ps with argument", []string{"ps", "x"}, []string{`unexpected argument "x"`}, nil},
		{"reap with argument", []string{"reap", "x"}, []string{`unexpected argument "x"`}, nil},
		{"doctor unknown flag", []string{"doctor", "--frob"}, []string{"unknown flag: --frob"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolateHome(t)
			for _, kv := range tt.env {
				k, v, _ := strings.Cut(kv, "=")
				t.Setenv(k, v)
			}
			d, stdout, stderr := testDeps(t, "")
			d.reap = func(context.Context, base.ReapOptions) (*base.ReapReport, error) {
				t.Error("reap called on bad usage: nothing may happen before the input is checked")
				return &base.ReapReport{}, nil
			}
			r := runWith(t, d, stdout, stderr, tt.args...)
			if r.code != 2 {
				t.Errorf("exit code %d, want 2", r.code)
			}
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
			if got := lines(r.stderr); len(got) != 1 || !strings.HasSuffix(r.stderr, "\n") {
				t.Fatalf("stderr %q, want exactly one line", r.stderr)
			}
			if !strings.HasPrefix(r.stderr, "corral: ") || !strings.Contains(r.stderr, "--help' for usage.") {
				t.Errorf("stderr %q, want corral: <message>. Run '… --help' for usage.", r.stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr %q does not hold %q", r.stderr, w)
				}
			}
		})
	}
}

func TestHelpIsNotAnError(t *testing.T) {
	r := runCLI(t, "", "run", "--help")
	if r.code != 0 || !strings.Contains(r.stdout, "corral run [flags] -- CMD [ARG...]") || r.stderr != "" {
		t.Errorf("run --help: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

type fakeExitCoder int

func (f fakeExitCoder) Error() string { return fmt.Sprintf("fake exit %d", int(f)) }
func (f fakeExitCoder) ExitCode() int { return int(f) }

func TestExitCode(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		want     int
		wantLine string // "" when nothing is printed
	}{
		{"success", nil, 0, ""},
		{"usage", usageErrorf("corral run", "bad thing"), 2, "corral: bad thing. Run 'corral run --help' for usage."},
		{"wrapped usage", fmt.Errorf("ctx: %w", usageErrorf("corral", "bad")), 2, "corral: bad. Run 'corral --help' for usage."},
		{"command exit", &base.ExitError{Name: "sh", Code: 7}, 7, ""},
		{"command signal", &base.ExitError{Name: "sh", Code: 137, Signal: syscall.SIGKILL}, 137, ""},
		{"wrapped command exit", fmt.Errorf("run: %w", &base.ExitError{Name: "sh", Code: 3}), 3, ""},
		{"signalled corral", &statusError{code: 143}, 143, ""},
		{"not found", &statusError{code: 127, err: base.ErrBinaryNotFound}, 127, "corral: base: binary not found"},
		{"exec exit error", &exec.ExitError{}, 1, ""},
		{"nonsense exit code", fakeExitCoder(-1), 1, "corral: fake exit -1"},
		{"zero exit code with error", fakeExitCoder(0), 1, "corral: fake exit 0"},
		{"other", errors.New("disk on fire"), 1, "corral: disk on fire"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := exitCode(tt.err); got != tt.want {
				t.Errorf("exitCode = %d, want %d", got, tt.want)
			}
			if got := errorLine(tt.err); got != tt.wantLine {
				t.Errorf("errorLine = %q, want %q", got, tt.wantLine)
			}
		})
	}
}

func TestParsePortMapping(t *testing.T) {
	tests := []struct {
		in      string
		want    portMapping
		wantErr bool
	}{
		{"8080:80", portMapping{8080, 80}, false},
		{"1:65535", portMapping{1, 65535}, false},
		{"80", portMapping{}, true},
		{":80", portMapping{}, true},
		{"80:", portMapping{}, true},
		{"0:80", portMapping{}, true},
		{"80:65536", portMapping{}, true},
		{"-1:80", portMapping{}, true},
		{"a:b", portMapping{}, true},
		{"127.0.0.1:80:80", portMapping{}, true},
	}
	for _, tt := range tests {
		got, err := parsePortMapping(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("parsePortMapping(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestPortPrintsNumber(t *testing.T) {
	r := runCLI(t, "", "port")
	var n int
	if _, err := fmt.Sscanf(r.stdout, "%d\n", &n); err != nil || r.stdout != fmt.Sprintf("%d\n", n) {
		t.Fatalf("stdout %q, want a number alone and a newline", r.stdout)
	}
	if n < 1 || n > 65535 || r.code != 0 || r.stderr != "" {
		t.Errorf("port %d, code %d, stderr %q", n, r.code, r.stderr)
	}
}

func TestPortError(t *testing.T) {
	isolateHome(t)
	d, stdout, stderr := testDeps(t, "")
	d.freePort = func() (int, error) { return 0, errors.New("no ports left") }
	r := runWith(t, d, stdout, stderr, "port")
	if r.code != 1 || r.stderr != "corral: no ports left\n" || r.stdout != "" {
		t.Errorf("got %+v", r)
	}
}
