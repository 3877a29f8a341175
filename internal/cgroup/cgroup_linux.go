package cgroup

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/corralrun/corral/internal/atomicfile"
	"github.com/corralrun/corral/internal/sys"
	"golang.org/x/sys/unix"
)

// Mount returns where the cgroup v2 hierarchy is mounted: the whole of
// /sys/fs/cgroup in unified mode, /sys/fs/cgroup/unified in hybrid mode,
// or "" when there is none. It is read once per process.
var Mount = sync.OnceValue(func() string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if mp, ok := cgroup2MountPoint(sc.Text()); ok {
			return mp
		}
	}
	return ""
})

// cgroup2MountPoint parses one line of /proc/self/mountinfo and returns
// the mount point of a cgroup2 file system mounted at its root. Fields:
// id parent major:minor root mountpoint options... - fstype source superopts.
// The kernel separates fields by single spaces and escapes space, tab,
// newline and backslash inside them as \ooo (fs/proc_namespace.c); any
// other byte, other white space included, is written as it is.
func cgroup2MountPoint(line string) (string, bool) {
	pre, post, ok := strings.Cut(line, " - ")
	if !ok || !strings.HasPrefix(post, "cgroup2 ") {
		return "", false
	}
	f := strings.Split(pre, " ")
	if len(f) >= 5 && f[3] == "/" && f[4] != "" {
		return unescapeMountinfo(f[4]), true
	}
	return "", false
}

// unescapeMountinfo undoes the kernel's \ooo escapes in a mountinfo field.
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Own returns the cgroup v2 path of process pid ("self" for the caller),
// relative to the mount.
func Own(pid string) (string, error) {
	b, err := os.ReadFile("/proc/" + pid + "/cgroup")
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "0::"); ok {
			return rest, nil
		}
	}
	return "", errors.New("no cgroup v2 entry")
}

// Create makes the cgroup at path, and its parent if needed, and returns
// a directory descriptor for cloning a child into it (UseCgroupFD). A
// reaper may remove an empty parent at any moment, so a create that loses
// that race makes it again.
func Create(path string) (fd int, err error) {
	err = os.Mkdir(path, 0o755)
	for i := 0; errors.Is(err, fs.ErrNotExist) && i < 3; i++ {
		if err = os.Mkdir(filepath.Dir(path), 0o755); err == nil || errors.Is(err, fs.ErrExist) {
			err = os.Mkdir(path, 0o755)
		}
	}
	if err != nil {
		return -1, fmt.Errorf("create cgroup: %w", err)
	}
	fd, err = unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		os.Remove(path)
		return -1, fmt.Errorf("open cgroup: %w", err)
	}
	return fd, nil
}

// Procs lists the processes in the cgroup at path and in the cgroups
// below it. A cgroup that does not exist has none.
func Procs(path string) ([]int, error) {
	b, err := os.ReadFile(filepath.Join(path, "cgroup.procs"))
	if err != nil {
		// ENODEV: the cgroup was removed between open and read (the
		// leader's waiter releases an emptied tree while Stop looks).
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENODEV) {
			return nil, nil
		}
		return nil, fmt.Errorf("read cgroup members: %w", err)
	}
	var pids []int
	for _, f := range bytes.Fields(b) {
		if pid, err := strconv.Atoi(string(f)); err == nil {
			pids = append(pids, pid)
		}
	}
	entries, _ := os.ReadDir(path)
	for _, e := range entries {
		if e.IsDir() {
			sub, err := Procs(filepath.Join(path, e.Name()))
			if err != nil {
				return nil, err
			}
			pids = append(pids, sub...)
		}
	}
	return pids, nil
}

// Contains reports whether pid is a member of the cgroup at path or of
// one below it.
func Contains(path string, pid int) bool {
	rel, err := Own(strconv.Itoa(pid))
	if err != nil {
		return false
	}
	p := filepath.Join(Mount(), rel)
	return p == path || strings.HasPrefix(p, path+"/")
}

// Signal sends each of sigs, in order, to every process in the cgroup at
// path. Every member is pinned (sys.Pin) and then cgroup.procs is read
// again: a pinned PID still listed is the pinned process, and a member,
// whatever happened to the PID before the pin, so a PID recycled since
// the first read is never hit. (Two live processes cannot share a PID, and
// a pinned process that died meanwhile receives nothing.) Without pidfds
// each process's membership is checked right before its signal instead.
// The errors of every member are joined.
func Signal(path string, sigs ...syscall.Signal) error {
	return signalMembers(path, 0, sigs)
}

// SignalOutsideGroup is Signal for the members that are not in process
// group pgid: the caller signals that group as a whole itself (kill(2) of
// -pgid, safe while it holds the group leader unreaped), which costs one
// call instead of three per member.
func SignalOutsideGroup(path string, pgid int, sigs ...syscall.Signal) error {
	return signalMembers(path, pgid, sigs)
}

func signalMembers(path string, skipGroup int, sigs []syscall.Signal) error {
	pids, err := Procs(path)
	if err != nil {
		return err
	}
	if skipGroup > 0 {
		out := pids[:0]
		for _, pid := range pids {
			// A PID recycled between the read and getpgid is at worst
			// skipped here; the pin below guards the others.
			if g, err := unix.Getpgid(pid); err != nil || g != skipGroup {
				out = append(out, pid)
			}
		}
		pids = out
	}
	pins := make([]sys.Pin, 0, len(pids))
	var errs []error
	for _, pid := range pids {
		p, err := sys.PinProcess(pid)
		switch {
		case err == nil:
			pins = append(pins, p)
		case !errors.Is(err, sys.ErrGone):
			errs = append(errs, err)
		}
	}
	defer func() {
		for _, p := range pins {
			p.Close()
		}
	}()
	still, err := Procs(path)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	member := make(map[int]bool, len(still))
	for _, pid := range still {
		member[pid] = true
	}
	for _, p := range pins {
		if !member[p.PID()] || (!p.Pinned() && !Contains(path, p.PID())) {
			continue
		}
		for _, sig := range sigs {
			if err := p.Signal(sig); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// Kill SIGKILLs every process in the cgroup at once (cgroup.kill, Linux
// 5.14+): a process forking at that moment cannot slip out. A cgroup
// already removed has nothing to kill.
func Kill(path string) error {
	err := os.WriteFile(filepath.Join(path, "cgroup.kill"), []byte("1"), 0)
	if errors.Is(err, fs.ErrNotExist) {
		if _, serr := os.Stat(path); errors.Is(serr, fs.ErrNotExist) {
			return nil
		}
		return Signal(path, syscall.SIGKILL)
	}
	if err != nil {
		return fmt.Errorf("kill cgroup %s: %w", path, err)
	}
	return nil
}

// Empty reads "populated" from cgroup.events. Zombies do not count: a
// process leaves its cgroup when it exits, before it is reaped. A cgroup
// that does not exist is empty.
func Empty(path string) (bool, error) {
	b, err := os.ReadFile(filepath.Join(path, "cgroup.events"))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return true, nil
		}
		return false, fmt.Errorf("read cgroup state: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "populated "); ok {
			return v == "0", nil
		}
	}
	return false, fmt.Errorf("read cgroup state: no populated field in %s", path)
}

// Remove removes an empty cgroup and the cgroups below it (a process of
// the tree that is itself a corral supervisor nests its trees' cgroups
// inside its own). The kernel may report a cgroup busy for a moment after
// its last process exited, so EBUSY is retried briefly. A cgroup already
// gone is not an error.
func Remove(path string) error {
	err := unix.Rmdir(path)
	if err == nil || errors.Is(err, unix.ENOENT) {
		return nil
	}
	entries, _ := os.ReadDir(path)
	for _, e := range entries {
		if e.IsDir() {
			if err := Remove(filepath.Join(path, e.Name())); err != nil {
				return err
			}
		}
	}
	delay := 100 * time.Microsecond
	for i := 0; ; i++ {
		err := unix.Rmdir(path)
		switch {
		case err == nil || errors.Is(err, unix.ENOENT):
			return nil
		case !errors.Is(err, unix.EBUSY) && !errors.Is(err, unix.ENOTEMPTY) || i == 50:
			return fmt.Errorf("remove cgroup %s: %w", path, err)
		}
		time.Sleep(delay)
		delay = min(2*delay, 10*time.Millisecond)
	}
}

// RemoveIfEmpty is one rmdir, which the kernel refuses (EBUSY) while the
// cgroup or one below it holds a process: the cheapest test of
// emptiness. It reports whether the cgroup is gone.
func RemoveIfEmpty(path string) bool {
	err := unix.Rmdir(path)
	return err == nil || errors.Is(err, unix.ENOENT)
}

// IsCgroup2Dir reports whether path is a directory on a cgroup v2 file
// system owned by the calling user.
func IsCgroup2Dir(path string) bool {
	var st unix.Statfs_t
	if unix.Statfs(path, &st) != nil || st.Type != unix.CGROUP2_SUPER_MAGIC {
		return false
	}
	fi, err := os.Lstat(path)
	return err == nil && fi.IsDir() && atomicfile.OwnedByUs(fi)
}
