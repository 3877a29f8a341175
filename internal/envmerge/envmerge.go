// Package envmerge builds the environment a process sees from an
// inherited environment the caller supplies (the host's for Native, the
// dev shell's for Nix, the image's for Docker), layers of variables and
// appends, by one rule for every backend.
package envmerge

import (
	"fmt"
	"strings"

	"github.com/corralrun/corral/resources"
)

// Append is one WithEnvironmentVariablesAppend call: Value is added after
// Sep to the value Key would otherwise have.
type Append struct {
	Key, Value, Sep string
}

// Merge builds a process environment: inherited ("KEY=VALUE" strings),
// then each layer of variables in order, the last value of a key winning,
// then the appends in call order, each added after Sep to the value built
// so far, or standing alone when the key is unset or empty. Keys keep the
// position of their first appearance. Invalid variables and appends (an
// empty key, a key holding '=' or NUL, a value or separator holding NUL)
// are skipped, so every entry added to inherited is a valid KEY=VALUE;
// the caller validates them first (Validate) to report them. Nothing
// passed in is modified.
func Merge(inherited []string, layers [][]*resources.EnvironmentVariable, appends []Append) []string {
	keys := make([]string, 0, len(inherited)+8)
	values := make(map[string]string, len(inherited)+8)
	set := func(k, v string) {
		if _, ok := values[k]; !ok {
			keys = append(keys, k)
		}
		values[k] = v
	}
	for _, kv := range inherited {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			set(k, v)
		}
	}
	for _, layer := range layers {
		for _, e := range layer {
			if e.Validate() == nil {
				set(e.Key, e.ValueAsString())
			}
		}
	}
	for _, a := range appends {
		if resources.Env(a.Key, a.Value+a.Sep).Validate() != nil {
			continue
		}
		if cur := values[a.Key]; cur != "" {
			set(a.Key, cur+a.Sep+a.Value)
		} else {
			set(a.Key, a.Value)
		}
	}
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k + "=" + values[k]
	}
	return out
}

// Validate returns the first invalid variable's error among layers and
// appends, naming it: nil exactly when Merge skips none of them.
func Validate(layers [][]*resources.EnvironmentVariable, appends []Append) error {
	for _, layer := range layers {
		for _, e := range layer {
			if err := e.Validate(); err != nil {
				return err
			}
		}
	}
	for _, a := range appends {
		if err := resources.Env(a.Key, a.Value).Validate(); err != nil {
			return fmt.Errorf("append: %w", err)
		}
		if strings.ContainsRune(a.Sep, 0) {
			return fmt.Errorf("append: %w: separator for %q holds NUL", resources.ErrInvalidEnvironmentVariable, a.Key)
		}
	}
	return nil
}

// Lookup returns the value of key in an environment list; the last
// occurrence wins, as for a process.
func Lookup(env []string, key string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v, true
		}
	}
	return "", false
}

// Copy returns copies of envs, so later changes by the caller do not
// reach a process; nil entries stay nil.
func Copy(envs []*resources.EnvironmentVariable) []*resources.EnvironmentVariable {
	out := make([]*resources.EnvironmentVariable, 0, len(envs))
	for _, e := range envs {
		if e != nil {
			c := *e
			out = append(out, &c)
		} else {
			out = append(out, nil)
		}
	}
	return out
}
