package base

import (
	"strings"

	"github.com/corralrun/corral/resources"
)

// envAppend is one WithEnvironmentVariablesAppend call.
type envAppend struct {
	key, value, sep string
}

// mergeEnv builds a process environment: inherited ("KEY=VALUE" strings),
// then each layer of variables in order, the last value of a key winning,
// then the appends in call order, each added after sep to the value built
// so far, or standing alone when the key is unset or empty. Keys keep the
// position of their first appearance. Invalid variables are skipped; the
// caller validates them first to report them.
func mergeEnv(inherited []string, layers [][]*resources.EnvironmentVariable, appends []envAppend) []string {
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
		if cur := values[a.key]; cur != "" {
			set(a.key, cur+a.sep+a.value)
		} else {
			set(a.key, a.value)
		}
	}
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k + "=" + values[k]
	}
	return out
}

// lookupEnv returns the value of key in an environment list; the last
// occurrence wins, as for a process.
func lookupEnv(env []string, key string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v, true
		}
	}
	return "", false
}
