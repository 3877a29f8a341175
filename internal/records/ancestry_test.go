package records

import (
	"slices"
	"testing"
)

func TestChildTreeEnv(t *testing.T) {
	const outer, middle, inner = "10.20.1", "30.40.2", "50.60.3"
	tests := []struct {
		name string
		env  []string
		want []string
	}{
		{"outside any tree", []string{"A=1"}, []string{"A=1", "CORRAL_TREE=" + inner}},
		{"inside one tree", []string{"A=1", "CORRAL_TREE=" + outer}, []string{"A=1", "CORRAL_TREE_ANCESTRY=" + outer, "CORRAL_TREE=" + inner}},
		{"inside two", []string{"CORRAL_TREE_ANCESTRY=" + outer, "CORRAL_TREE=" + middle}, []string{"CORRAL_TREE_ANCESTRY=" + outer + "," + middle, "CORRAL_TREE=" + inner}},
		{"a CORRAL_TREE that is no tree id is dropped", []string{"CORRAL_TREE=x y"}, []string{"CORRAL_TREE=" + inner}},
		{"duplicates: the last wins", []string{"CORRAL_TREE=" + outer, "CORRAL_TREE=" + middle}, []string{"CORRAL_TREE_ANCESTRY=" + middle, "CORRAL_TREE=" + inner}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.env)
			if got := ChildTreeEnv(tt.env, inner); !slices.Equal(got, tt.want) {
				t.Errorf("ChildTreeEnv(%q) = %q, want %q", tt.env, got, tt.want)
			}
			if !slices.Equal(in, tt.env) {
				t.Errorf("ChildTreeEnv modified its argument: %q", tt.env)
			}
		})
	}
}

func TestInTree(t *testing.T) {
	tests := []struct {
		tree, ancestry, id string
		want               bool
	}{
		{"1.2.3", "", "1.2.3", true},
		{"1.2.3", "", "1.2.4", false},
		{"1.2.3", "7.8.9", "7.8.9", true},
		{"1.2.3", "7.8.9,4.5.6", "4.5.6", true},
		{"1.2.3", "7.8.9,4.5.6", "4.5", false},
		{"", "", "", false},
	}
	for _, tt := range tests {
		if got := InTree(tt.tree, tt.ancestry, tt.id); got != tt.want {
			t.Errorf("InTree(%q, %q, %q) = %v, want %v", tt.tree, tt.ancestry, tt.id, got, tt.want)
		}
	}
	if got := Trees("1.2.3", "7.8.9,4.5.6"); !slices.Equal(got, []string{"1.2.3", "7.8.9", "4.5.6"}) {
		t.Errorf("Trees = %q", got)
	}
}
