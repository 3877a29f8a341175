package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// TempPrefix starts the name of every temporary file WriteFile makes; a
// directory listing that skips hidden names skips them too.
const TempPrefix = ".tmp-"

// WriteFile stores b as dir/name, atomically: a reader sees the old file,
// no file, or the whole new one. The file is 0600. On failure nothing is
// left behind but what was there before.
func WriteFile(dir, name string, b []byte) error {
	f, err := os.CreateTemp(dir, TempPrefix+"*") // mode 0600
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	_, werr := f.Write(b)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := os.Rename(f.Name(), filepath.Join(dir, name)); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// RemoveStaleTemps removes the temporary files in dir older than age:
// what remains of a write interrupted by the death of its writer.
func RemoveStaleTemps(dir string, age time.Duration) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), TempPrefix) {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > age {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// ErrNotRegular is returned by ReadNoFollow for anything but a plain file.
var ErrNotRegular = errors.New("not a regular file")

// ReadNoFollow reads the regular file at path without following a
// symlink, without blocking on a FIFO, and without reading more than max
// bytes: a longer file gives max+1 bytes, so the caller can tell.
func ReadNoFollow(path string, max int64) ([]byte, error) {
	f, err := openNoFollow(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, max+1))
}

// EnsurePrivateDir makes dir (0700) if it is missing. An existing dir
// must be a directory, not a symlink, owned by the caller; it is
// tightened to 0700 if it is open to others. what names the directory in
// errors ("corral state directory"); fix says what the user can do.
func EnsurePrivateDir(dir, what, fix string) error {
	err := os.Mkdir(dir, 0o700)
	if err == nil {
		return nil
	}
	if !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s %s: %w", what, dir, err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("%s %s: %w", what, dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s %s is not a directory (a %s): move it aside or %s", what, dir, Kind(fi), fix)
	}
	if !OwnedByUs(fi) {
		return fmt.Errorf("%s %s belongs to another user: %s", what, dir, fix)
	}
	if fi.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("%s %s: %w", what, dir, err)
		}
	}
	return nil
}

// Kind names the kind of file fi describes, for messages.
func Kind(fi fs.FileInfo) string {
	switch m := fi.Mode(); {
	case m&fs.ModeSymlink != 0:
		return "symlink"
	case m.IsRegular():
		return "regular file"
	case m.IsDir():
		return "directory"
	default:
		return m.Type().String()
	}
}
