package nixshell

import (
	"strings"
)

// ReapplyVar is the variable that carries ReapplyScript's script into the
// dev shell; the trampoline unsets it before running the program.
const ReapplyVar = "CORRAL_NIX_REAPPLY"

// Append is one variable appended to the value the shell gave it.
type Append struct {
	Key, Value, Sep string
}

// Trampoline returns the command, to follow `nix develop … --command`,
// that applies the script in $CORRAL_NIX_REAPPLY inside the dev shell and
// then replaces itself with bin and args. `nix develop` lays the shell's
// variables over the environment it inherits, so the caller's variables
// would otherwise lose to the shell's; with the trampoline they win, and
// appends build on the shell's values, as in materialised mode.
func Trampoline(bin string, args ...string) []string {
	out := make([]string, 0, 5+len(args))
	out = append(out, "/bin/sh", "-c", `eval "$`+ReapplyVar+`"; unset `+ReapplyVar+`; exec "$@"`, "sh", bin)
	return append(out, args...)
}

// ReapplyScript returns the sh script that sets the variables of sets
// (KEY=VALUE, in order, the last of a key winning) and then applies
// appends in order, each after Sep to the value so far, or alone when the
// key is unset or empty. Keys that are not sh names cannot be set from
// sh; they are returned in skipped, for the caller to pass to nix's own
// environment instead.
func ReapplyScript(sets []string, appends []Append) (script string, skipped []string) {
	var b strings.Builder
	for _, kv := range sets {
		k, v, _ := strings.Cut(kv, "=")
		if !shName(k) {
			skipped = append(skipped, kv)
			continue
		}
		b.WriteString(k + "=" + shQuote(v) + "; export " + k + "\n")
	}
	for _, a := range appends {
		if !shName(a.Key) {
			continue
		}
		k := a.Key
		b.WriteString(`if [ -n "${` + k + `-}" ]; then ` + k + `="$` + k + `"` + shQuote(a.Sep+a.Value) +
			"; else " + k + "=" + shQuote(a.Value) + "; fi; export " + k + "\n")
	}
	return b.String(), skipped
}

// shName reports whether k is a name sh can assign: letters, digits and
// underscores, not starting with a digit.
func shName(k string) bool {
	if k == "" {
		return false
	}
	for i, c := range k {
		switch {
		case c == '_', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// shQuote quotes s for sh: single quotes, each ' written as '\”.
func shQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
