package nixshell

import (
	"os/exec"
	"strings"
	"testing"
)

func TestReapplyScriptInSh(t *testing.T) {
	tests := []struct {
		name    string
		env     []string // what the shell gave
		sets    []string
		appends []Append
		key     string
		want    string
	}{
		{"set wins over the shell", []string{"FOO=shell"}, []string{"FOO=mine"}, nil, "FOO", "mine"},
		{"last set wins", nil, []string{"FOO=a", "FOO=b"}, nil, "FOO", "b"},
		{"quotes and newlines survive", nil, []string{"FOO=it's $HOME `x` \"q\"\nline2"}, nil, "FOO", "it's $HOME `x` \"q\"\nline2"},
		{"append builds on the shell's value", []string{"P=/shell"}, nil, []Append{{"P", "/mine", ":"}}, "P", "/shell:/mine"},
		{"append to unset is the value alone", nil, nil, []Append{{"P", "/mine", ":"}}, "P", "/mine"},
		{"appends build on each other after sets", nil, []string{"P=/set"}, []Append{{"P", "a", ":"}, {"P", "b", ","}}, "P", "/set:a,b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			script, skipped := ReapplyScript(tt.sets, tt.appends)
			if len(skipped) != 0 {
				t.Fatalf("skipped %v", skipped)
			}
			argv := Trampoline("printenv", tt.key)
			cmd := exec.Command(argv[0], argv[1:]...)
			cmd.Env = append(append([]string{"PATH=/usr/bin:/bin"}, tt.env...), ReapplyVar+"="+script)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%v (script %q)", err, script)
			}
			if got := strings.TrimSuffix(string(out), "\n"); got != tt.want {
				t.Fatalf("%s = %q, want %q", tt.key, got, tt.want)
			}
		})
	}
}

func TestReapplyScriptSkipsNonShellNames(t *testing.T) {
	_, skipped := ReapplyScript([]string{"a.b=1", "OK=2", "9X=3"}, nil)
	if strings.Join(skipped, " ") != "a.b=1 9X=3" {
		t.Fatalf("skipped %v", skipped)
	}
}

func TestTrampolineUnsetsItsVariable(t *testing.T) {
	argv := Trampoline("sh", "-c", `echo "${`+ReapplyVar+`-unset}"`)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", ReapplyVar + "=X=1"}
	out, err := cmd.Output()
	if err != nil || strings.TrimSpace(string(out)) != "unset" {
		t.Fatalf("got %q, %v", out, err)
	}
}
