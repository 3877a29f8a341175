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
			return "", fmt.Errorf("%w: %s: %v", ErrBinaryNotFound, bin, err)
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

func isExecutable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if fi.IsDir() || fi.Mode()&0o111 == 0 {
		return fs.ErrPermission
	}
	return nil
}
