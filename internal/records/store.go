package records

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/corralrun/corral/internal/atomicfile"
)

// HomeEnv names the directory corral keeps its state in.
const HomeEnv = "CORRAL_HOME"

// setAsideDir, inside the runs directory, receives records a reaper will
// not trust, so they are kept for a person to read but never acted on.
const setAsideDir = ".setaside"

// Home returns $CORRAL_HOME, else ~/.corral. It is read at every call,
// never cached, so a program may change it between runs.
func Home() (string, error) {
	if h := os.Getenv(HomeEnv); h != "" {
		return filepath.Abs(h)
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("corral home: %w (set %s)", err, HomeEnv)
	}
	return filepath.Join(home, ".corral"), nil
}

// Store is the runs directory of one corral home: one file per live
// tree.
type Store struct {
	home string
	dir  string
}

// Home is the corral home the store belongs to.
func (s *Store) Home() string { return s.home }

// Dir is the runs directory.
func (s *Store) Dir() string { return s.dir }

const dirWhat = "corral state directory"

var dirFix = "set " + HomeEnv

// Open returns the store under the current corral home, creating the
// home (0700, with its parents) and runs (0700) when missing. An existing
// home is used as it is (it may be shared, such as a home directory);
// runs must be a directory of ours, not a symlink, and is tightened to
// 0700 if it is open to others.
func Open() (*Store, error) {
	home, err := Home()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(home, "runs")
	if err := os.MkdirAll(home, 0o700); err != nil {
		return nil, fmt.Errorf("corral home %s: %w (set %s)", home, err, HomeEnv)
	}
	if err := atomicfile.EnsurePrivateDir(dir, dirWhat, dirFix); err != nil {
		return nil, err
	}
	return &Store{home: home, dir: dir}, nil
}

// OpenExisting returns the store under the current corral home without
// creating anything: nil when there is no runs directory yet.
func OpenExisting() (*Store, error) {
	home, err := Home()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(home, "runs")
	fi, err := os.Lstat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("%s %s: %w", dirWhat, dir, err)
	case !fi.IsDir():
		return nil, fmt.Errorf("%s %s is not a directory (a %s): move it aside or %s", dirWhat, dir, atomicfile.Kind(fi), dirFix)
	}
	return &Store{home: home, dir: dir}, nil
}

// Write stores r atomically under its FileName: a reader sees the old
// file, no file, or the whole new one. There is no fsync: a record must
// outlive its owner, not the machine, and a reboot ends every tree it
// could name.
func (s *Store) Write(r *Record) error {
	b, err := r.Encode()
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(s.dir, r.FileName(), b); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	return nil
}

// Remove deletes the record file name; a missing file is not an error.
func (s *Store) Remove(name string) error {
	err := os.Remove(filepath.Join(s.dir, name))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove record %s: %w", name, err)
	}
	return nil
}

// Has reports whether a record file of that name exists.
func (s *Store) Has(name string) bool {
	_, err := os.Lstat(filepath.Join(s.dir, name))
	return err == nil
}

// SetAsideError says why a record file is not trusted. Read it with
// errors.As.
type SetAsideError struct {
	File   string
	Reason string
}

func (e *SetAsideError) Error() string { return "record set aside: " + e.File + ": " + e.Reason }

// Read loads one record file without following symlinks and without
// reading more than MaxSize. A file that is not a plain, small,
// well-formed record of this user gives a *SetAsideError; a file removed
// meanwhile an error wrapping fs.ErrNotExist.
func (s *Store) Read(name string) (*Record, error) {
	path := filepath.Join(s.dir, name)
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	aside := func(why string) error { return &SetAsideError{File: name, Reason: why} }
	switch {
	case !fi.Mode().IsRegular():
		return nil, aside("not a regular file (" + atomicfile.Kind(fi) + ")")
	case fi.Size() > MaxSize:
		return nil, aside(fmt.Sprintf("%d bytes, larger than any record", fi.Size()))
	case !atomicfile.OwnedByUs(fi):
		return nil, aside("owned by another user")
	}
	b, err := atomicfile.ReadNoFollow(path, MaxSize)
	if err != nil {
		return nil, err
	}
	r, err := Decode(b)
	if err != nil {
		return nil, aside(err.Error())
	}
	if r.UID != os.Getuid() {
		return nil, aside("names another user")
	}
	if want := r.FileName(); want != name {
		return nil, aside("file name does not match its content (want " + want + ")")
	}
	return r, nil
}

// SetAside moves a record file out of the reaper's way, into .setaside,
// where it is kept but never acted on. If that directory cannot be used,
// the file is hidden in place (renamed with a leading dot), which the
// reaper also skips.
func (s *Store) SetAside(name string) error {
	dir := filepath.Join(s.dir, setAsideDir)
	err := atomicfile.EnsurePrivateDir(dir, dirWhat, dirFix)
	if err == nil {
		err = os.Rename(filepath.Join(s.dir, name), filepath.Join(dir, name))
	}
	if err != nil {
		if herr := os.Rename(filepath.Join(s.dir, name), filepath.Join(s.dir, setAsideDir+"-"+name)); herr != nil {
			return errors.Join(err, herr)
		}
	}
	return nil
}

// Names lists the record candidates: every entry but hidden ones (the
// lock, temporary files, the set-aside directory).
func (s *Store) Names() ([]string, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("read records in %s: %w", s.dir, err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// RemoveStaleTemps removes temporary files older than age.
func (s *Store) RemoveStaleTemps(age time.Duration) { atomicfile.RemoveStaleTemps(s.dir, age) }

// Lock takes the store's exclusive lock, serialising reapers across
// processes; the returned function releases it.
func (s *Store) Lock(ctx context.Context) (func(), error) {
	unlock, err := atomicfile.Lock(ctx, filepath.Join(s.dir, ".lock"))
	if err != nil {
		return nil, fmt.Errorf("reaper %w", err)
	}
	return unlock, nil
}
