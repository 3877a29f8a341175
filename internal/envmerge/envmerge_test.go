package envmerge

import (
	"slices"
	"testing"

	"github.com/corralrun/corral/resources"
)

func TestMergeEnv(t *testing.T) {
	e := resources.Env
	tests := []struct {
		name      string
		inherited []string
		layers    [][]*resources.EnvironmentVariable
		appends   []Append
		want      []string
	}{
		{"inherited only", []string{"A=1", "B=2"}, nil, nil, []string{"A=1", "B=2"}},
		{"later layer wins, position kept", []string{"A=1", "B=2"},
			[][]*resources.EnvironmentVariable{{e("A", "env")}, {e("A", "proc"), e("C", 3)}}, nil,
			[]string{"A=proc", "B=2", "C=3"}},
		{"last value within a layer wins", nil, [][]*resources.EnvironmentVariable{{e("A", 1), e("A", 2)}}, nil, []string{"A=2"}},
		{"append to inherited", []string{"PATH=/bin"}, nil, []Append{{"PATH", "/x", ":"}}, []string{"PATH=/bin:/x"}},
		{"append to unset", nil, nil, []Append{{"NEW", "v", ":"}}, []string{"NEW=v"}},
		{"append to empty", []string{"E="}, nil, []Append{{"E", "v", ":"}}, []string{"E=v"}},
		{"appends build on each other and on layers", []string{"P=a"},
			[][]*resources.EnvironmentVariable{{e("P", "b")}}, []Append{{"P", "c", ","}, {"P", "d", ";"}},
			[]string{"P=b,c;d"}},
		{"invalid variables skipped", nil, [][]*resources.EnvironmentVariable{{e("", "x"), e("A=B", "x"), nil, e("OK", 1)}}, nil, []string{"OK=1"}},
		{"invalid appends skipped", []string{"A=1"}, nil,
			[]Append{{"", "x", ":"}, {"A=B", "v", ","}, {"N\x00", "v", ""}, {"A", "\x00", ":"}, {"A", "v", "\x00"}, {"A", "2", ":"}},
			[]string{"A=1:2"}},
		{"malformed inherited skipped", []string{"NOEQUALS", "=x", "A=1"}, nil, nil, []string{"A=1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Merge(tt.inherited, tt.layers, tt.appends); !slices.Equal(got, tt.want) {
				t.Fatalf("mergeEnv = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLookupEnv(t *testing.T) {
	env := []string{"A=1", "AB=2", "A=3"}
	if v, ok := Lookup(env, "A"); !ok || v != "3" {
		t.Fatalf("lookupEnv A = %q %v", v, ok)
	}
	if _, ok := Lookup(env, "B"); ok {
		t.Fatal("found B")
	}
}
