//go:build unix

package records

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// An owner's liveness is proven by its PID and start time, but only from
// its own PID namespace. For a reaper in another namespace (the host
// reaping after an owner in a container or under `unshare -p` died),
// every owner also holds, for its whole life, an exclusive flock on a
// hidden file of the runs directory named after it. The kernel releases
// the lock when the owner dies, however it dies, so a reaper that can
// take the lock knows the owner is gone, from any namespace that shares
// the file.

// ownerLockPrefix starts the name of every owner's lock file.
const ownerLockPrefix = ".owner-"

// ownerLockName is the lock file of owner, in PID namespace ns.
func ownerLockName(owner Identity, ns uint64) string {
	return fmt.Sprintf("%s%d-%d-%d.lock", ownerLockPrefix, ns, owner.PID, owner.Start)
}

var ownerLocks struct {
	sync.Mutex
	held map[string]*os.File // runs directory → the lock held in it
}

// HoldOwnerLock takes the calling process's owner lock in this store,
// once per store for the life of the process: the descriptor is never
// closed (close-on-exec, so no child inherits it).
func (s *Store) HoldOwnerLock() error {
	ownerLocks.Lock()
	defer ownerLocks.Unlock()
	if ownerLocks.held[s.dir] != nil {
		return nil
	}
	self, err := Self()
	if err != nil {
		return err
	}
	path := filepath.Join(s.dir, ownerLockName(self, PIDNamespace()))
	f, err := lockOwnFile(path)
	if err != nil {
		return err
	}
	if ownerLocks.held == nil {
		ownerLocks.held = map[string]*os.File{}
	}
	ownerLocks.held[s.dir] = f
	return nil
}

// OwnerGone tells, through the owner's lock, whether the owner of r has
// died: known is false when there is no lock to ask (an owner of an older
// corral, or a file removed by hand), and the caller must judge
// otherwise.
func (s *Store) OwnerGone(r *Record) (gone, known bool) {
	path := filepath.Join(s.dir, ownerLockName(r.Owner, r.OwnerNS))
	f, err := os.OpenFile(path, os.O_RDWR|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return false, false
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return false, false
	}
	err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
	if errors.Is(err, unix.EWOULDBLOCK) {
		return false, true
	}
	return err == nil, err == nil
}

// RemoveDeadOwnerLocks removes the lock files of owners that are dead
// (their lock can be taken) and named by none of live, the lock names of
// the owners whose records remain.
func (s *Store) RemoveDeadOwnerLocks(live map[string]bool) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, ownerLockPrefix) || live[name] {
			continue
		}
		path := filepath.Join(s.dir, name)
		f, err := os.OpenFile(path, os.O_RDWR|syscall.O_NOFOLLOW, 0)
		if err != nil {
			continue
		}
		if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) == nil {
			os.Remove(path) // still holding the lock: no owner can be taking it
		}
		f.Close()
	}
}

// RemoveOwnerLock removes owner's lock file, in this PID namespace, if
// nothing holds its lock: the owner is dead, and no process it forked is
// still between fork and exec with a copy of the descriptor. It reports
// whether the file is gone (removed now, or not there).
func (s *Store) RemoveOwnerLock(owner Identity) bool {
	path := filepath.Join(s.dir, ownerLockName(owner, PIDNamespace()))
	f, err := os.OpenFile(path, os.O_RDWR|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return errors.Is(err, fs.ErrNotExist)
	}
	defer f.Close()
	if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) != nil {
		return false
	}
	return os.Remove(path) == nil
}

// OwnerLockName is the name of r's owner's lock file, for
// RemoveDeadOwnerLocks.
func (r *Record) OwnerLockName() string { return ownerLockName(r.Owner, r.OwnerNS) }

// lockOwnFile creates and locks path, again if a reaper removed the file
// between the create and the lock (it takes dead owners' files away).
func lockOwnFile(path string) (*os.File, error) {
	for range 3 {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o600)
		if err != nil {
			return nil, fmt.Errorf("owner lock: %w", err)
		}
		if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
			f.Close()
			return nil, fmt.Errorf("owner lock %s: %w", path, err)
		}
		held, err1 := f.Stat()
		named, err2 := os.Lstat(path)
		if err1 == nil && err2 == nil && os.SameFile(held, named) {
			return f, nil
		}
		f.Close()
	}
	return nil, fmt.Errorf("owner lock %s: removed as fast as it is made", path)
}
