package main

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/corralrun/corral/runners/base"
	"github.com/corralrun/corral/runners/docker"
)

func fakeDoctor(nix bool) doctorDeps {
	return fakeDoctorNix(nix, nil)
}

// fakeDoctorNix is fakeDoctor with nix's flakes check failing with
// flakesErr when it is not nil.
func fakeDoctorNix(nix bool, flakesErr error) doctorDeps {
	versions := map[string]runtimeInfo{
		"go":      {name: "go", path: "/usr/local/go/bin/go", version: "1.26.0"},
		"python3": {name: "python3", path: "/usr/bin/python3", version: "3.12.3"},
		"node":    {name: "node"},
		"nix":     {name: "nix"},
		"docker":  {name: "docker", path: "/usr/bin/docker", err: errors.New("exit status 1")},
	}
	if nix {
		versions["nix"] = runtimeInfo{name: "nix", path: "/nix/var/nix/profiles/default/bin/nix", version: "2.24.9"}
	}
	return doctorDeps{
		nix: func(context.Context) base.NixProbe {
			if !nix {
				return base.NixProbe{}
			}
			return base.NixProbe{Path: "/nix/var/nix/profiles/default/bin/nix", Version: "2.24.9", FlakesErr: flakesErr}
		},
		nixInstallCommand: func() string { return "sh <(curl -L https://nixos.org/nix/install) --daemon" },
		runtime: func(_ context.Context, name string) runtimeInfo {
			if r, ok := versions[name]; ok {
				return r
			}
			return runtimeInfo{name: name}
		},
		containment: func() base.Containment {
			if nix {
				return base.Containment{Kind: "cgroup", Where: "/sys/fs/cgroup/user.slice/corral", Reason: "cgroup v2 is writable"}
			}
			return base.Containment{Kind: "pgroup", Reason: "no writable cgroup v2 directory; run under a systemd user session with delegation"}
		},
		getenv:      func(string) string { return "" },
		userHomeDir: func() (string, error) { return "/home/dev", nil },
		dockerEngine: func(context.Context) (*docker.EngineInfo, error) {
			return nil, &docker.EngineError{Endpoint: docker.Endpoint{Host: "unix:///var/run/docker.sock", Source: "the default socket"}, Err: errors.New("socket does not exist")}
		},
	}
}

func TestDoctorGolden(t *testing.T) {
	flakesOff := errors.New(`nix: flakes are not enabled (flakes missing): add "experimental-features = nix-command flakes" to ~/.config/nix/nix.conf or /etc/nix/nix.conf, or set it in NIX_CONFIG`)
	for _, tt := range []struct {
		golden string
		nix    bool
		flakes error
	}{
		{"doctor.golden", false, nil},
		{"doctor_nix.golden", true, nil},
		{"doctor_nix_noflakes.golden", true, flakesOff},
	} {
		t.Run(tt.golden, func(t *testing.T) {
			isolateHome(t)
			d, stdout, stderr := testDeps(t, "")
			d.doctor = fakeDoctorNix(tt.nix, tt.flakes)
			forbidReap(t, d, "doctor")
			r := runWith(t, d, stdout, stderr, "doctor")
			if r.code != 0 || r.stderr != "" {
				t.Fatalf("code %d, stderr %q", r.code, r.stderr)
			}
			checkGolden(t, tt.golden, r.stdout)
		})
	}
}

func TestCorralHome(t *testing.T) {
	noHome := func() (string, error) { return "", errors.New("$HOME is not defined") }
	env := func(v string) func(string) string { return func(string) string { return v } }
	if got := corralHome(env("/srv/corral"), noHome); got != "/srv/corral" {
		t.Errorf("CORRAL_HOME set: %q", got)
	}
	if got := corralHome(env(""), func() (string, error) { return "/home/a", nil }); got != "/home/a/.corral" {
		t.Errorf("default: %q", got)
	}
	if got := corralHome(env(""), noHome); got != "unknown ($HOME is not defined; set CORRAL_HOME)" {
		t.Errorf("no home: %q", got)
	}
}

// TestDoctorReal runs doctor against this host: it must succeed and name
// every section, whatever is installed.
func TestDoctorReal(t *testing.T) {
	r := runCLI(t, "", "doctor")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("code %d, stderr %q", r.code, r.stderr)
	}
	for _, w := range []string{"BACKEND", "native", "RUNTIME", "CONTAINMENT", "CORRAL HOME  " + os.Getenv("CORRAL_HOME") + "\n"} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("doctor output lacks %q:\n%s", w, r.stdout)
		}
	}
}

var psNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestPsGolden(t *testing.T) {
	trees := []base.TreeStatus{
		{Tree: "4242.1187.1", Name: "postgres", Containment: "cgroup", Leader: 4250, Owner: 4242, OwnerAlive: true,
			Started: psNow.Add(-3*time.Minute - 12*time.Second), Processes: 7, State: base.InterruptibleSleep, CPU: 2.25, Memory: 12_900_000},
		{Tree: "4242.1187.2", Name: "node", Containment: "pgroup", Leader: 4301, Owner: 4242,
			Started: psNow.Add(-26*time.Hour - 5*time.Minute), Processes: 1, State: base.Running, CPU: 101.04, Memory: 1_610_612_736},
		{Tree: "5000.900.1", Name: "sleep", Containment: "cgroup", Leader: 0, Owner: 5000,
			Processes: 1, State: base.Unknown, Memory: 512},
	}
	for _, tt := range []struct {
		golden string
		trees  []base.TreeStatus
	}{
		{"ps.golden", trees},
		{"ps_one_orphan.golden", trees[:2]},
		{"ps_empty.golden", nil},
	} {
		t.Run(tt.golden, func(t *testing.T) {
			isolateHome(t)
			d, stdout, stderr := testDeps(t, "")
			d.listTrees = func(context.Context) ([]base.TreeStatus, error) { return tt.trees, nil }
			d.now = func() time.Time { return psNow }
			forbidReap(t, d, "ps")
			r := runWith(t, d, stdout, stderr, "ps")
			if r.code != 0 || r.stderr != "" {
				t.Fatalf("code %d, stderr %q", r.code, r.stderr)
			}
			checkGolden(t, tt.golden, r.stdout)
		})
	}
}

// TestPsJSONGolden: --json is the documented schema: every field of a
// tree and a container, arrays never null.
func TestPsJSONGolden(t *testing.T) {
	trees := []base.TreeStatus{
		{Tree: "4242.1187.1", Name: "postgres", Containment: "cgroup", Cgroup: "/sys/fs/cgroup/corral/4242.1187.1", Leader: 4250, Owner: 4242, OwnerAlive: true,
			Started: psNow.Add(-3*time.Minute - 12*time.Second), Processes: 7, State: base.InterruptibleSleep, CPU: 2.25, Memory: 12_900_000},
		{Tree: "5000.900.1", Name: "sleep", Containment: "pgroup", Leader: 0, Owner: 5000,
			Processes: 1, State: base.Unknown, Memory: 512},
	}
	containers := []docker.ContainerStatus{
		{ID: "0123456789abcdef", Name: "corral-run-1-aa", Image: "busybox-test", State: "running", Created: psNow.Add(-90 * time.Second), Ephemeral: true, OwnerPID: 42},
	}
	for _, tt := range []struct {
		golden     string
		trees      []base.TreeStatus
		containers []docker.ContainerStatus
	}{
		{"ps_json.golden", trees, containers},
		{"ps_json_empty.golden", nil, nil},
	} {
		t.Run(tt.golden, func(t *testing.T) {
			isolateHome(t)
			d, stdout, stderr := testDeps(t, "")
			d.listTrees = func(context.Context) ([]base.TreeStatus, error) { return tt.trees, nil }
			d.docker.list = func(context.Context) ([]docker.ContainerStatus, error) { return tt.containers, nil }
			d.now = func() time.Time { return psNow }
			forbidReap(t, d, "ps")
			r := runWith(t, d, stdout, stderr, "ps", "--json")
			if r.code != 0 || r.stderr != "" {
				t.Fatalf("code %d, stderr %q", r.code, r.stderr)
			}
			checkGolden(t, tt.golden, r.stdout)
		})
	}
}

func TestPsError(t *testing.T) {
	isolateHome(t)
	d, stdout, stderr := testDeps(t, "")
	d.listTrees = func(context.Context) ([]base.TreeStatus, error) { return nil, errors.New("runs: permission denied") }
	r := runWith(t, d, stdout, stderr, "ps")
	if r.code != 1 || r.stderr != "corral: list trees: runs: permission denied\n" {
		t.Errorf("got %+v", r)
	}
}

func TestReapGolden(t *testing.T) {
	full := &base.ReapReport{
		Reaped: []base.ReapedTree{
			{Tree: "4242.1187.1", Name: "postgres", Containment: "cgroup", Owner: 4242, Signalled: 7},
			{Tree: "4242.1187.2", Name: "node", Containment: "pgroup", Owner: 4242, Signalled: 1},
			{Tree: "5000.900.1", Name: "sleep", Containment: "cgroup", Owner: 5000, Signalled: 0},
			{Tree: "5100.901.3", Containment: "cgroup", Owner: 5100, Signalled: 2}, // no record: no name
		},
		SetAside: []base.SetAsideRecord{{File: "9999.json", Reason: "record is a symlink"}},
	}
	for _, tt := range []struct {
		golden string
		report *base.ReapReport
		err    error
		code   int
		stderr string
	}{
		{"reap.golden", full, nil, 0, ""},
		{"reap_empty.golden", &base.ReapReport{}, nil, 0, ""},
		{"reap_partial.golden", &base.ReapReport{Reaped: full.Reaped[:1]}, errors.New("lock: interrupted"), 1, "corral: reap: lock: interrupted\n"},
	} {
		t.Run(tt.golden, func(t *testing.T) {
			isolateHome(t)
			d, stdout, stderr := testDeps(t, "")
			d.reap = func(context.Context, base.ReapOptions) (*base.ReapReport, error) { return tt.report, tt.err }
			r := runWith(t, d, stdout, stderr, "reap")
			if r.code != tt.code || r.stderr != tt.stderr {
				t.Fatalf("code %d, stderr %q; want %d, %q", r.code, r.stderr, tt.code, tt.stderr)
			}
			checkGolden(t, tt.golden, r.stdout)
		})
	}
}

func TestHumanBytes(t *testing.T) {
	tests := []struct {
		n    uint64
		want string
	}{
		{0, "0B"},
		{512, "512B"},
		{1023, "1023B"},
		{1024, "1.0KiB"},
		{1536, "1.5KiB"},
		{12_900_000, "12.3MiB"},
		{1023*1024 + 1000, "1.0MiB"}, // 1023.98KiB rounds to 1024.0KiB: shown as 1.0MiB
		{1023 * 1024 * 1024, "1023.0MiB"},
		{1_610_612_736, "1.5GiB"},
		{1 << 40, "1.0TiB"},
		{^uint64(0), "16.0EiB"},
	}
	for _, tt := range tests {
		if got := humanBytes(tt.n); got != tt.want {
			t.Errorf("humanBytes(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestHumanAge(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{-time.Second, "0s"},
		{0, "0s"},
		{999 * time.Millisecond, "0s"},
		{45 * time.Second, "45s"},
		{3*time.Minute + 12*time.Second, "3m12s"},
		{time.Hour, "1h0m"},
		{2*time.Hour + 5*time.Minute + 59*time.Second, "2h5m"},
		{26*time.Hour + 5*time.Minute, "1d2h"},
		{100 * 24 * time.Hour, "100d0h"},
	}
	for _, tt := range tests {
		if got := humanAge(tt.d); got != tt.want {
			t.Errorf("humanAge(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

// forbidReap fails the test if command cmd reaps: it must only observe.
func forbidReap(t *testing.T, d *deps, cmd string) {
	d.reap = func(context.Context, base.ReapOptions) (*base.ReapReport, error) {
		t.Errorf("%s reaped: it must only observe", cmd)
		return nil, nil
	}
}
