package base

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

// homeEnv names the directory corral keeps its state in.
const homeEnv = "CORRAL_HOME"

// setAsideDir, inside the runs directory, receives records the reaper will
// not trust, so they are kept for a person to read but never acted on.
const setAsideDir = ".setaside"

// corralHome returns $CORRAL_HOME, else ~/.corral. It is read at every
// call, never cached, so a program may change it between runs.
func corralHome() (string, error) {
	if h := os.Getenv(homeEnv); h != "" {
		return filepath.Abs(h)
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("corral home: %w (set %s)", err, homeEnv)
	}
	return filepath.Join(home, ".corral"), nil
}

// recordStore is the runs directory: one file per live tree.
type recordStore struct {
	home string
	dir  string
}

// openRecordStore returns the store under the current corral home,
// creating the home (0700, with its parents) and runs (0700) when missing.
// An existing home is used as it is (it may be shared, such as a home
// directory); runs must be a directory of ours, not a symlink, and is
// tightened to 0700 if it is open to others.
func openRecordStore() (*recordStore, error) {
	home, err := corralHome()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(home, "runs")
	if err := os.MkdirAll(home, 0o700); err != nil {
		return nil, fmt.Errorf("corral home %s: %w (set %s)", home, err, homeEnv)
	}
	if err := ensurePrivateDir(dir); err != nil {
		return nil, err
	}
	return &recordStore{home: home, dir: dir}, nil
}

// existingRecordStore returns the store under the current corral home
// without creating anything: nil when there is no runs directory yet.
func existingRecordStore() (*recordStore, error) {
	home, err := corralHome()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(home, "runs")
	fi, err := os.Lstat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("corral state directory %s: %w", dir, err)
	case !fi.IsDir():
		return nil, fmt.Errorf("corral state directory %s is not a directory (a %s): move it aside or set %s", dir, fileKind(fi), homeEnv)
	}
	return &recordStore{home: home, dir: dir}, nil
}

func ensurePrivateDir(dir string) error {
	err := os.Mkdir(dir, 0o700)
	if err == nil || !errors.Is(err, fs.ErrExist) {
		if err != nil {
			return fmt.Errorf("corral state directory %s: %w", dir, err)
		}
		return nil
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("corral state directory %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("corral state directory %s is not a directory (a %s): move it aside or set %s", dir, fileKind(fi), homeEnv)
	}
	if !ownedByUs(fi) {
		return fmt.Errorf("corral state directory %s belongs to another user: set %s", dir, homeEnv)
	}
	if fi.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("corral state directory %s: %w", dir, err)
		}
	}
	return nil
}

func fileKind(fi fs.FileInfo) string {
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

// write stores r atomically: a reader sees the old file, no file, or the
// whole new one. There is no fsync: a record must outlive its owner, not
// the machine, and a reboot ends every tree it could name.
func (s *recordStore) write(r *record) error {
	b, err := r.encode()
	if err != nil {
		return err
	}
	return writeFileAtomic(s.dir, r.fileName(), b)
}

func writeFileAtomic(dir, name string, b []byte) error {
	f, err := os.CreateTemp(dir, ".tmp-*") // mode 0600
	if err != nil {
		return fmt.Errorf("write record: %w", err)
	}
	_, werr := f.Write(b)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write record %s: %w", name, err)
	}
	if err := os.Rename(f.Name(), filepath.Join(dir, name)); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write record %s: %w", name, err)
	}
	return nil
}

// remove deletes the record file name; a missing file is not an error.
func (s *recordStore) remove(name string) error {
	err := os.Remove(filepath.Join(s.dir, name))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove record %s: %w", name, err)
	}
	return nil
}

// errRecordSetAside wraps the reason a record file is not trusted.
var errRecordSetAside = errors.New("record set aside")

// read loads one record file without following symlinks and without
// reading more than maxRecordSize. A file that is not a plain, small,
// well-formed record of ours gives an error wrapping errRecordSetAside.
func (s *recordStore) read(name string) (*record, error) {
	path := filepath.Join(s.dir, name)
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	aside := func(why string) error { return fmt.Errorf("%w: %s: %s", errRecordSetAside, name, why) }
	switch {
	case !fi.Mode().IsRegular():
		return nil, aside("not a regular file (" + fileKind(fi) + ")")
	case fi.Size() > maxRecordSize:
		return nil, aside(fmt.Sprintf("%d bytes, larger than any record", fi.Size()))
	case !ownedByUs(fi):
		return nil, aside("owned by another user")
	}
	b, err := readFileNoFollow(path)
	if err != nil {
		return nil, err
	}
	r, err := decodeRecord(b)
	if err != nil {
		return nil, aside(err.Error())
	}
	if r.UID != os.Getuid() {
		return nil, aside("names another user")
	}
	if want := r.fileName(); want != name {
		return nil, aside("file name does not match its content (want " + want + ")")
	}
	return r, nil
}

func readFileNoFollow(path string) ([]byte, error) {
	f, err := openNoFollow(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, maxRecordSize+1))
}

// setAside moves a record file out of the reaper's way, into
// .setaside, where it is kept but never acted on. If that directory cannot
// be used, the file is hidden in place (renamed with a leading dot), which
// the reaper also skips.
func (s *recordStore) setAside(name string) error {
	dir := filepath.Join(s.dir, setAsideDir)
	err := ensurePrivateDir(dir)
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

// names lists the record candidates: every entry but hidden ones (the
// lock, temporary files, the set-aside directory).
func (s *recordStore) names() ([]string, error) {
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

// removeStaleTemps removes temporary files older than age: what remains of
// a write interrupted by the death of its writer.
func (s *recordStore) removeStaleTemps(age time.Duration) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".tmp-") {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > age {
			os.Remove(filepath.Join(s.dir, e.Name()))
		}
	}
}
