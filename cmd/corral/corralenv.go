package main

import (
	"path/filepath"

	"github.com/corralrun/corral/internal/records"
)

// The variables corral reads from its own environment.
const (
	homeEnv        = records.HomeEnv      // where records and caches live
	containmentEnv = "CORRAL_CONTAINMENT" // "pgroup" forces process groups
)

// checkCorralEnv refuses, as bad usage (exit 2), values of corral's own
// variables that it would otherwise read wrongly: a relative CORRAL_HOME
// (relative to what? each command's directory would make a different
// home, and a reap from elsewhere would miss the trees) and a
// CORRAL_CONTAINMENT other than pgroup, which would be silently ignored.
// Empty values are unset ones.
func checkCorralEnv(cmdPath string, getenv func(string) string) error {
	if h := getenv(homeEnv); h != "" && !filepath.IsAbs(h) {
		return usageErrorf(cmdPath, "%s=%q is a relative path: set it to an absolute one, or unset it for ~/.corral", homeEnv, h)
	}
	if c := getenv(containmentEnv); c != "" && c != "pgroup" {
		return usageErrorf(cmdPath, "%s=%q is not known: set it to pgroup to force process groups, or unset it", containmentEnv, c)
	}
	return nil
}

// openHome makes sure the corral home and its runs directory are usable
// before a command that writes there does anything, so that a bad home
// (a regular file, a read-only directory, no home at all) is one error
// line naming it, not a warning from the reap before it as well.
func openHome() error {
	_, err := records.Open()
	return err
}
