package sys

import "golang.org/x/sys/unix"

// SetSubreaper turns PR_SET_CHILD_SUBREAPER on or off (prctl(2)): while
// on, orphans of the caller's descendants are re-parented to the caller
// instead of init.
func SetSubreaper(on bool) error {
	v := uintptr(0)
	if on {
		v = 1
	}
	return unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, v, 0, 0, 0)
}
