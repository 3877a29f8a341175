package envmerge

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/corralrun/corral/resources"
)

// FuzzMerge builds an inherited environment, layers and appends from three
// strings and checks Merge against its documented rule, computed here a
// second way: by appending every assignment to one list and reading each
// key back with Lookup (the last occurrence wins, as for a process).
//
// The encoding: inherited entries are separated by NUL; layers by \x01,
// variables within a layer by \x02, each "KEY=VALUE" ("KEY" alone has a
// nil value); appends by \x02, each "KEY\x01VALUE\x01SEP".
func FuzzMerge(f *testing.F) {
	f.Add("PATH=/usr/bin:/bin\x00HOME=/root\x00TERM=xterm", "PATH=/opt/bin\x02GOFLAGS=-mod=mod\x01A=1\x02A=2", "PATH\x01/x\x01:\x02NEW\x01v\x01;")
	f.Add("NOEQUALS\x00=x\x00A=1\x00A=2", "\x02=x\x02A=B=C\x02B", "\x01x\x01:\x02A=B\x01v\x01,")
	f.Add("E=", "", "E\x01v\x01:\x02E\x01w\x01")
	f.Add("", "K=v\x00nul", "K\x01\x00\x01:")

	f.Fuzz(func(t *testing.T, inh, lay, app string) {
		inherited, layers, appends := decodeInput(inh, lay, app)
		inCopy, layCopy, appCopy := slices.Clone(inherited), cloneLayers(layers), slices.Clone(appends)

		out := Merge(inherited, layers, appends)

		if !slices.Equal(inherited, inCopy) || !sameLayers(layers, layCopy) || !slices.Equal(appends, appCopy) {
			t.Fatal("Merge modified its arguments")
		}
		var order []string
		list := []string{}
		skipped := 0
		assign := func(k, v string) {
			if !slices.Contains(order, k) {
				order = append(order, k)
			}
			list = append(list, k+"="+v)
		}
		for _, kv := range inherited {
			if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
				assign(k, v)
			}
		}
		for _, layer := range layers {
			for _, e := range layer {
				if e.Validate() == nil {
					assign(e.Key, e.ValueAsString())
				} else {
					skipped++
				}
			}
		}
		for _, a := range appends {
			if resources.Env(a.Key, a.Value).Validate() != nil || strings.ContainsRune(a.Sep, 0) {
				skipped++ // invalid: skipped like an invalid layer variable
				continue
			}
			if cur, _ := Lookup(list, a.Key); cur != "" {
				assign(a.Key, cur+a.Sep+a.Value)
			} else {
				assign(a.Key, a.Value)
			}
		}

		if len(out) != len(order) {
			t.Fatalf("Merge = %q: %d entries, want %d keys %q", out, len(out), len(order), order)
		}
		for i, kv := range out {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k != order[i] {
				t.Fatalf("entry %d of %q is %q, want key %q (first-appearance order)", i, out, kv, order[i])
			}
			if want, _ := Lookup(list, k); v != want {
				t.Fatalf("%s=%q, want %q", k, v, want)
			}
		}
		if !slices.Equal(Merge(out, nil, nil), out) {
			t.Fatalf("Merge of its own output with nothing added changed it: %q", out)
		}

		err := Validate(layers, appends)
		if err != nil && !errors.Is(err, resources.ErrInvalidEnvironmentVariable) {
			t.Fatalf("Validate error %v does not wrap ErrInvalidEnvironmentVariable", err)
		}
		if (err == nil) != (skipped == 0) {
			t.Fatalf("Validate = %v, but Merge skips %d variables or appends", err, skipped)
		}
		if err == nil && !slices.ContainsFunc(inherited, func(s string) bool { return strings.ContainsRune(s, 0) }) {
			for _, kv := range out {
				if strings.ContainsRune(kv, 0) {
					t.Fatalf("valid input gave an entry with NUL: %q", kv)
				}
			}
		}
	})
}

func decodeInput(inh, lay, app string) ([]string, [][]*resources.EnvironmentVariable, []Append) {
	var inherited []string
	if inh != "" {
		inherited = strings.Split(inh, "\x00")
	}
	var layers [][]*resources.EnvironmentVariable
	for _, l := range strings.Split(lay, "\x01") {
		var layer []*resources.EnvironmentVariable
		for _, kv := range strings.Split(l, "\x02") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				layer = append(layer, resources.Env(k, v))
			} else {
				layer = append(layer, resources.Env(kv, nil))
			}
		}
		layers = append(layers, layer)
	}
	var appends []Append
	if app != "" {
		for _, a := range strings.Split(app, "\x02") {
			p := append(strings.SplitN(a, "\x01", 3), "", "")
			appends = append(appends, Append{Key: p[0], Value: p[1], Sep: p[2]})
		}
	}
	return inherited, layers, appends
}

func cloneLayers(layers [][]*resources.EnvironmentVariable) [][]*resources.EnvironmentVariable {
	out := make([][]*resources.EnvironmentVariable, len(layers))
	for i, l := range layers {
		out[i] = Copy(l)
	}
	return out
}

func sameLayers(a, b [][]*resources.EnvironmentVariable) bool {
	return slices.EqualFunc(a, b, func(x, y []*resources.EnvironmentVariable) bool {
		return slices.EqualFunc(x, y, func(e, g *resources.EnvironmentVariable) bool {
			return e.Key == g.Key && e.Value == g.Value
		})
	})
}
