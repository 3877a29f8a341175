package nixshell

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corralrun/corral/internal/records"
)

func TestParseDevEnv(t *testing.T) {
	in := `{"bashFunctions":{"f":"echo"},"variables":{
		"FOO":{"type":"exported","value":"bar"},
		"PATH":{"type":"exported","value":"/shell/bin"},
		"HOME":{"type":"exported","value":"/homeless-shelter"},
		"TMPDIR":{"type":"exported","value":"/build"},
		"NIX_BUILD_TOP":{"type":"exported","value":"/build"},
		"out":{"type":"exported","value":"/nix/store/x-env"},
		"name":{"type":"exported","value":"x"},
		"LOCAL":{"type":"var","value":"not exported"},
		"ARR":{"type":"array","value":["a","b"]},
		"ASSOC":{"type":"associative","value":{"a":"b"}}}}`
	sh, err := ParseDevEnv([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"FOO": "bar", "PATH": "/shell/bin"}
	if len(sh.Vars) != len(want) {
		t.Fatalf("vars %v, want %v", sh.Vars, want)
	}
	for k, v := range want {
		if sh.Vars[k] != v {
			t.Errorf("%s = %q, want %q", k, sh.Vars[k], v)
		}
	}
	if sh.StorePath != "/nix/store/x-env" {
		t.Errorf("store path %q", sh.StorePath)
	}
	for _, bad := range []string{``, `[]`, `{"variables":null}`, `{"x":1}`} {
		if _, err := ParseDevEnv([]byte(bad)); err == nil {
			t.Errorf("ParseDevEnv(%q) accepted", bad)
		}
	}
}

func TestOverlay(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		host []string
		want map[string]string
	}{
		{"shell PATH before host PATH", map[string]string{"PATH": "/s"}, []string{"PATH=/h"}, map[string]string{"PATH": "/s:/h"}},
		{"no shell PATH", map[string]string{}, []string{"PATH=/h"}, map[string]string{"PATH": "/h"}},
		{"no host PATH", map[string]string{"PATH": "/s"}, nil, map[string]string{"PATH": "/s"}},
		{"host HOME TMPDIR TERM USER kept", map[string]string{"FOO": "1"},
			[]string{"HOME=/h", "TMPDIR=/t", "TERM=dumb", "USER=u", "OTHER=x"},
			map[string]string{"FOO": "1", "HOME": "/h", "TMPDIR": "/t", "TERM": "dumb", "USER": "u"}},
		{"last host value wins", nil, []string{"HOME=/a", "HOME=/b"}, map[string]string{"HOME": "/b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Overlay(tt.vars, tt.host)
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

func TestEnvironOverlaysHost(t *testing.T) {
	got := Environ([]string{"A=host", "B=host"}, map[string]string{"B": "shell", "C": "shell"})
	want := []string{"A=host", "B=shell", "C=shell"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestDevelopArgs(t *testing.T) {
	got := strings.Join(DevelopArgs("/a b", "sh", "-c", "echo"), "|")
	if want := "develop|--quiet|path:/a b|--command|sh|-c|echo"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestMaterializeFixture(t *testing.T) {
	tool := requireNix(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	sh, err := tool.Materialize(ctxT(t), fixture(t, "vars"), "")
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"FOO": "from-the-flake", "BAR": "two words", "PATH": "/usr/local/bin:/usr/bin:/bin"} {
		if sh.Vars[k] != v {
			t.Errorf("%s = %q, want %q", k, sh.Vars[k], v)
		}
	}
	for _, k := range []string{"HOME", "TMPDIR", "TMP", "TEMP", "PWD", "NIX_BUILD_TOP", "NIX_LOG_FD", "out", "outputs", "name"} {
		if v, ok := sh.Vars[k]; ok {
			t.Errorf("build-only %s=%q kept", k, v)
		}
	}
	if !strings.HasPrefix(sh.StorePath, "/nix/store/") {
		t.Errorf("store path %q", sh.StorePath)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("left in TMPDIR: %v", left)
	}
}

func TestMaterializeFailureCarriesNixMessage(t *testing.T) {
	tool := requireNix(t)
	tests := []struct{ fixture, want string }{
		{"syntax", "syntax error"},
		{"failbuild", "corral-fixture-builder-failed"},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			_, err := tool.Materialize(ctxT(t), fixture(t, tt.fixture), "")
			var nerr *Error
			if !errors.As(err, &nerr) {
				t.Fatalf("err %v (%T), want *Error", err, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %q does not carry nix's %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "building '") {
				t.Errorf("progress lines kept: %q", err)
			}
		})
	}
}

func TestCheckFlakesSaysWhichSetting(t *testing.T) {
	tool := requireNix(t)
	t.Setenv("NIX_CONFIG", "experimental-features = \nsubstituters =\nflake-registry =\nbuild-users-group =\nsandbox = false")
	err := tool.CheckFlakes(ctxT(t))
	if !errors.Is(err, ErrFlakesDisabled) {
		t.Fatalf("err %v, want ErrFlakesDisabled", err)
	}
	if !strings.Contains(err.Error(), FlakesSetting) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err %q: want one line naming %q", err, FlakesSetting)
	}
	// A nix command itself says the same.
	_, err = tool.Materialize(ctxT(t), fixture(t, "vars"), "")
	if !errors.Is(err, ErrFlakesDisabled) || !strings.Contains(err.Error(), FlakesSetting) {
		t.Fatalf("materialise with flakes off: %v", err)
	}
}

func TestFindMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := Find()
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "nix-bin") {
		t.Fatalf("err %v, want ErrNotFound with an install hint", err)
	}
}

func TestVersion(t *testing.T) {
	tool := requireNix(t)
	v, err := tool.Version(ctxT(t))
	if err != nil || !strings.Contains(v, ".") {
		t.Fatalf("version %q, %v", v, err)
	}
	_ = filepath.Join
}

// TestOrphanedTempsRemoved: a temporary directory whose owner is gone is
// removed by the sweep; one whose owner lives, or that is not ours by
// name, stays.
func TestOrphanedTempsRemoved(t *testing.T) {
	dir := t.TempDir()
	self, err := records.Self()
	if err != nil {
		t.Fatal(err)
	}
	ns := records.PIDNamespace()
	live := fmt.Sprintf("%s%d-%d-%d-1", tempPrefix, ns, self.PID, self.Start)
	dead := fmt.Sprintf("%s%d-%d-%d-2", tempPrefix, ns, self.PID, self.Start+1) // same PID, another start: gone
	otherNS := fmt.Sprintf("%s%d-%d-%d-3", tempPrefix, ns+1, self.PID, self.Start+1)
	foreign := "corral-nix-not-ours"
	for _, n := range []string{live, dead, otherNS, foreign} {
		if err := os.MkdirAll(filepath.Join(dir, n, "nix-shell.x"), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	removeOrphanedTemps(dir)
	for n, want := range map[string]bool{live: true, dead: false, otherNS: true, foreign: true} {
		if _, err := os.Stat(filepath.Join(dir, n)); (err == nil) != want {
			t.Errorf("%s: exists=%v, want %v", n, err == nil, want)
		}
	}
}
