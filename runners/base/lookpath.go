package base

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// lookPath finds bin as a process started in dir with PATH=pathValue
// would: a name holding '/' is a path (relative ones from dir), any other
// name is searched in pathValue. It returns an absolute path, or an error
// wrapping ErrBinaryNotFound that names bin.
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
	for _, d := range filepath.SplitList(pathValue) {
		if d == "" {
			d = "."
		}
		if !filepath.IsAbs(d) {
			d = filepath.Join(dir, d)
		}
		if p := filepath.Join(d, bin); isExecutable(p) == nil {
			return p, nil
		}
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
