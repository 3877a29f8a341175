package base

import (
	"go/version"
	"regexp"
	"strings"

	// golang.org/x/mod/semver rather than Masterminds/semver: it is kept
	// by the Go team beside go/version, has no dependencies, and is strict
	// (one canonical form, prereleases ordered as semver.org says), while
	// every leniency a tool's output needs (no "v", two components, Python's
	// "3.13.0a1") is spelled out below, where a test can see it.
	"golang.org/x/mod/semver"
)

// versionScheme is how the versions of one runtime are read and ordered.
// parse returns the comparable form of the first version in s (a
// requirement or a version command's output), false when s holds none;
// atLeast reports whether found, from parse, meets the requirement min,
// from parse too.
type versionScheme struct {
	parse   func(s string) (string, bool)
	atLeast func(found, min string) bool
	// display writes a parsed version back for people.
	display func(v string) string
}

// schemeFor returns the version scheme of runtime name: Go's own for go,
// semantic versioning for every other runtime.
func schemeFor(name string) versionScheme {
	if name == "go" {
		return versionScheme{parse: parseGoVersion, atLeast: goAtLeast, display: func(v string) string { return v }}
	}
	return versionScheme{parse: parseSemver, atLeast: semverAtLeast, display: func(v string) string { return strings.TrimPrefix(v, "v") }}
}

// goVersionRE finds a Go version in `go version` output or a requirement:
// go1.22.1, go1.22rc1, go1.21beta2, go1.22, and a development
// toolchain's "devel go1.27-abc123", which go/version orders as go1.27, the
// language version it is on its way to.
var goVersionRE = regexp.MustCompile(`go[1-9][0-9]*(?:\.[0-9]+){0,2}(?:(?:rc|beta)[0-9]+)?(?:-[0-9A-Za-z.]+)?`)

// parseGoVersion returns the first Go version in s, in go/version's form
// ("go1.22rc1"). A requirement may leave out the "go": "1.22".
func parseGoVersion(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s != "" && s[0] >= '0' && s[0] <= '9' {
		s = "go" + s
	}
	v := goVersionRE.FindString(s)
	if v == "" || !version.IsValid(v) {
		return "", false
	}
	return v, true
}

// goAtLeast orders Go versions as the go command does (go/version):
// go1.22rc1 < go1.22.0 < go1.22.1. A requirement without a patch level,
// such as 1.22, means that release: go1.22.0 (or go1.22, as Go 1.20 and
// earlier named their releases) meets it, its release candidates do not,
// although go/version puts the bare language version go1.22 below them.
func goAtLeast(found, min string) bool {
	if version.Lang(min) == min {
		return found == min || version.Compare(found, min+".0") >= 0
	}
	return version.Compare(found, min) >= 0
}

// semverRE finds the first version number in a tool's output or a
// requirement: dotted if there is one, else a bare number, with the
// prerelease that follows it: after a hyphen ("1.70.0-nightly",
// "v21.0.0-nightly20231010abc") or, as Python and Nix write it, attached
// ("3.13.0a1", "2.19.0pre20231020"). A prerelease starts with a letter:
// "12.2.0-14" is Debian's 14th package of the 12.2.0 release, not a
// prerelease of it. Build metadata ("+dfsg1") and components past the
// third are left out, as semver ignores the first.
var (
	dottedSemverRE = regexp.MustCompile(`([0-9]+)\.([0-9]+)(?:\.([0-9]+))?(?:\.[0-9]+)*(?:-([A-Za-z][0-9A-Za-z.-]*)|([A-Za-z][0-9A-Za-z.]*))?`)
	bareSemverRE   = regexp.MustCompile(`([0-9]+)(?:-([A-Za-z][0-9A-Za-z.-]*)|([A-Za-z][0-9A-Za-z.]*))?`)
)

// parseSemver returns the first version number in s as a canonical
// semantic version, "v1.22.0" for "1.22": missing components count as 0
// and leading zeros are dropped ("1.010" is 1.10.0).
func parseSemver(s string) (string, bool) {
	if m := dottedSemverRE.FindStringSubmatch(s); m != nil {
		return canonicalSemver(m[1], m[2], m[3], m[4]+m[5])
	}
	if m := bareSemverRE.FindStringSubmatch(s); m != nil {
		return canonicalSemver(m[1], "", "", m[2]+m[3])
	}
	return "", false
}

// canonicalSemver builds vMAJOR.MINOR.PATCH[-PRE] and checks it.
func canonicalSemver(major, minor, patch, pre string) (string, bool) {
	v := "v" + trimZeros(major) + "." + trimZeros(minor) + "." + trimZeros(patch)
	if pre = strings.TrimRight(pre, ".-"); pre != "" {
		v += "-" + pre
	}
	if !semver.IsValid(v) {
		return "", false
	}
	return v, true
}

// trimZeros drops the leading zeros of a decimal number; "" is "0".
func trimZeros(n string) string {
	n = strings.TrimLeft(n, "0")
	if n == "" {
		return "0"
	}
	return n
}

// semverAtLeast orders as semver.org does: a prerelease is below its
// release (21.0.0-nightly < 21.0.0), build metadata does not count.
func semverAtLeast(found, min string) bool {
	return semver.Compare(found, min) >= 0
}
