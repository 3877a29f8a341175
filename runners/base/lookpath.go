package base

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// lookPath finds bin as a process started in dir with PATH=pathValue
// would: a name holding '/' is a path (relative ones from dir), any other
// name is searched in pathValue. It returns an absolute path, or an error
// wrapping ErrBinaryNotFound that names bin; when bin exists but cannot be
// executed (the path, or every match in PATH), that error is also the
// *fs.PathError of isExecutable.
func lookPath(bin, pathValue, dir string) (string, error) {
	if bin == "" {
		return "", fmt.Errorf("%w: empty binary name", ErrBinaryNotFound)
	}
	if strings.Contains(bin, "/") {
		p := bin
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		if err := isExecutable(p); err != nil {
			return "", fmt.Errorf("%w: %w", ErrBinaryNotFound, err)
		}
		return p, nil
	}
	// As execvp(3): a name found only as files that cannot be executed is
	// that failure (the first of them), not "not found".
	var denied error
	for _, d := range filepath.SplitList(pathValue) {
		if d == "" {
			d = "."
		}
		if !filepath.IsAbs(d) {
			d = filepath.Join(dir, d)
		}
		p := filepath.Join(d, bin)
		err := isExecutable(p)
		if err == nil {
			return p, nil
		}
		if denied == nil && errors.Is(err, fs.ErrPermission) {
			denied = err
		}
	}
	if denied != nil {
		return "", fmt.Errorf("%w: %w", ErrBinaryNotFound, denied)
	}
	return "", fmt.Errorf("%w: %q is not in PATH", ErrBinaryNotFound, bin)
}

// isExecutable returns nil when p is a file with an execute bit. A file
// that exists but cannot be run gives a *fs.PathError (Op "exec") whose
// error says why and matches fs.ErrPermission, so that a caller can tell
// it from one that is not there (fs.ErrNotExist), as shells do with 126
// and 127.
func isExecutable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	switch {
	case fi.IsDir():
		return &fs.PathError{Op: "exec", Path: p, Err: notExecutable("is a directory")}
	case fi.Mode()&0o111 == 0:
		return &fs.PathError{Op: "exec", Path: p, Err: notExecutable("permission denied (no execute bit)")}
	}
	return nil
}

// notExecutable is why an existing file cannot be executed.
type notExecutable string

func (e notExecutable) Error() string        { return string(e) }
func (e notExecutable) Is(target error) bool { return target == fs.ErrPermission }
