package cgroup

import (
	"errors"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// TreeXattr marks a cgroup as a corral tree's, its value the tree id: a
// record naming a cgroup without the mark is not trusted. cgroup2
// supports user xattrs since Linux 5.7.
const TreeXattr = "user.corral.tree"

// Mark sets TreeXattr on a tree cgroup to its base name, the tree id.
// Without kernel support the mark is missing, and IsTree falls back to
// the cgroup's location.
func Mark(path string) error {
	err := unix.Setxattr(path, TreeXattr, []byte(filepath.Base(path)), 0)
	if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ENOTSUP) {
		return nil
	}
	return err
}

// IsUnmarkedEmpty reports whether path is a cgroup of ours that never got
// its mark and holds no process: what is left when an owner dies between
// creating a tree's cgroup and marking it. Removing it harms no one.
func IsUnmarkedEmpty(path string) bool {
	if !IsCgroup2Dir(path) {
		return false
	}
	_, err := unix.Getxattr(path, TreeXattr, nil)
	empty, eerr := Empty(path)
	return errors.Is(err, unix.ENODATA) && eerr == nil && empty
}

// IsTree reports whether path is the cgroup corral created for tree id: a
// cgroup2 directory of the calling user carrying the tree's mark, or, on
// a kernel without cgroup xattrs, one inside where, this process's own
// corral cgroup directory.
func IsTree(path, id, where string) bool {
	if !IsCgroup2Dir(path) {
		return false
	}
	buf := make([]byte, 64)
	n, err := unix.Getxattr(path, TreeXattr, buf)
	switch {
	case err == nil:
		return string(buf[:n]) == id
	case errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ENOTSUP):
		return where != "" && strings.HasPrefix(path, where+"/")
	}
	return false
}

// IsUnmarked reports whether path is a cgroup2 directory of the calling
// user without the mark, whether it holds processes or not: a tree
// cgroup whose mark a process of the tree removed (root can).
func IsUnmarked(path string) bool {
	if !IsCgroup2Dir(path) {
		return false
	}
	_, err := unix.Getxattr(path, TreeXattr, nil)
	return errors.Is(err, unix.ENODATA)
}
