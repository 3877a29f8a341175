package base

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// cgroupDirName is the directory, inside a writable cgroup, that holds one
// cgroup per tree.
const cgroupDirName = "corral"

// cgroup2Mount returns where the cgroup v2 hierarchy is mounted: the whole
// of /sys/fs/cgroup in unified mode, /sys/fs/cgroup/unified in hybrid mode.
var cgroup2Mount = sync.OnceValue(func() string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// Fields: id parent major:minor root mountpoint options... - fstype source superopts
		line := sc.Text()
		pre, post, ok := strings.Cut(line, " - ")
		if !ok || !strings.HasPrefix(post, "cgroup2 ") {
			continue
		}
		f := strings.Fields(pre)
		if len(f) >= 5 && f[3] == "/" {
			return f[4]
		}
	}
	return ""
})

// ownCgroup returns this process's cgroup v2 path relative to the mount.
func ownCgroup(pid string) (string, error) {
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

// probeContainment finds a place where this process may create cgroups
// and clone children into them: its own cgroup, else the nearest writable
// ancestor (a user's delegated subtree). The probe clones one short-lived
// child into a test cgroup, since write access alone does not prove the
// kernel will accept the move (delegation rules, cgroup.kill support).
var probeContainment = sync.OnceValue(func() Containment {
	mount := cgroup2Mount()
	if mount == "" {
		return Containment{Kind: containPgroup, Reason: "no cgroup v2 hierarchy is mounted; mount one (unified or hybrid mode) to contain setsid and double-fork escapers"}
	}
	own, err := ownCgroup("self")
	if err != nil {
		return Containment{Kind: containPgroup, Reason: "cannot read /proc/self/cgroup: " + err.Error()}
	}
	var tried []string
	for rel := own; ; rel = filepath.Dir(rel) {
		dir := filepath.Join(mount, rel, cgroupDirName)
		if err := probeCgroupDir(dir); err == nil {
			return Containment{Kind: containCgroup, Where: dir, Reason: "cgroup v2 at " + mount + " is writable; trees are stopped with cgroup.kill"}
		} else {
			tried = append(tried, dir+": "+err.Error())
		}
		if rel == "/" || rel == "." || rel == "" {
			break
		}
	}
	return Containment{Kind: containPgroup, Reason: "no writable cgroup v2 directory (" + strings.Join(tried, "; ") + "); run as root or under a systemd user session with delegation"}
})

func probeCgroupDir(dir string) error {
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	probe := filepath.Join(dir, "probe."+strconv.Itoa(os.Getpid()))
	if err := os.Mkdir(probe, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	defer os.Remove(probe)
	if _, err := os.Stat(filepath.Join(probe, "cgroup.kill")); err != nil {
		return errors.New("kernel has no cgroup.kill (needs Linux 5.14)")
	}
	fd, err := unix.Open(probe, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	bin, err := exec.LookPath("true")
	if err != nil {
		bin = "/bin/true"
	}
	cmd := exec.Command(bin)
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("clone into cgroup: %w", err)
	}
	return nil
}

// cgroupTree is a tree held in a cgroup v2 directory of its own. The child
// is cloned straight into it (CLONE_INTO_CGROUP), so no instruction of the
// program runs outside, and every descendant, whatever it does with
// sessions or process groups, stays inside.
type cgroupTree struct {
	path     string
	fd       int
	released bool // removed by releaseIfEmpty
}

// newCgroupTree returns the tree cgroup at path, not yet created.
func newCgroupTree(path string) *cgroupTree {
	return &cgroupTree{path: path, fd: -1}
}

// create makes the tree's cgroup, and its home's directory if needed. A
// reaper may remove an empty home directory at any moment, so a create
// that loses that race makes it again.
func (t *cgroupTree) create() error {
	err := os.Mkdir(t.path, 0o755)
	for i := 0; errors.Is(err, fs.ErrNotExist) && i < 3; i++ {
		if err = os.Mkdir(filepath.Dir(t.path), 0o755); err == nil || errors.Is(err, fs.ErrExist) {
			err = os.Mkdir(t.path, 0o755)
		}
	}
	if err != nil {
		return fmt.Errorf("create cgroup: %w", err)
	}
	fd, err := unix.Open(t.path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		os.Remove(t.path)
		return fmt.Errorf("open cgroup: %w", err)
	}
	t.fd = fd
	if err := markTreeCgroup(t.path); err != nil {
		t.release()
		return fmt.Errorf("mark cgroup: %w", err)
	}
	return nil
}

// treeXattr marks a cgroup as a corral tree's, its value the tree id: a
// record naming a cgroup without the mark is not trusted. cgroup2 supports
// user xattrs since Linux 5.7.
const treeXattr = "user.corral.tree"

// markTreeCgroup sets treeXattr on a tree cgroup. Without kernel support
// the mark is missing, and isTreeCgroup falls back to its location.
func markTreeCgroup(path string) error {
	err := unix.Setxattr(path, treeXattr, []byte(filepath.Base(path)), 0)
	if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ENOTSUP) {
		return nil
	}
	return err
}

// isUnmarkedEmptyCgroup reports whether path is a cgroup of ours that
// never got its mark and holds no process: what is left when an owner
// dies between creating a tree's cgroup and marking it. Removing it harms
// no one.
func isUnmarkedEmptyCgroup(path string) bool {
	if !isCgroup2Dir(path) {
		return false
	}
	_, err := unix.Getxattr(path, treeXattr, nil)
	empty, eerr := cgroupEmpty(path)
	return errors.Is(err, unix.ENODATA) && eerr == nil && empty
}

// isTreeCgroup reports whether path is the cgroup corral created for tree
// id: a cgroup2 directory of the calling user carrying the tree's mark, or,
// on a kernel without cgroup xattrs, one inside this process's own
// corral cgroup directory.
func isTreeCgroup(path, id string) bool {
	if !isCgroup2Dir(path) {
		return false
	}
	buf := make([]byte, 64)
	n, err := unix.Getxattr(path, treeXattr, buf)
	switch {
	case err == nil:
		return string(buf[:n]) == id
	case errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ENOTSUP):
		where := probeContainment().Where
		return where != "" && strings.HasPrefix(path, where+"/")
	}
	return false
}

func (t *cgroupTree) kind() string       { return containCgroup }
func (t *cgroupTree) cgroupPath() string { return t.path }

func (t *cgroupTree) attr(a *syscall.SysProcAttr) {
	a.Setpgid = true
	a.UseCgroupFD = true
	a.CgroupFD = t.fd
}

func (t *cgroupTree) started(int) { t.closeFD() }

func (t *cgroupTree) closeFD() {
	if t.fd >= 0 {
		unix.Close(t.fd)
		t.fd = -1
	}
}

func (t *cgroupTree) signal(sig syscall.Signal) error { return cgroupSignal(t.path, sig) }
func (t *cgroupTree) kill() error                     { return cgroupKill(t.path) }
func (t *cgroupTree) empty() (bool, error)            { return cgroupEmpty(t.path) }

// releaseIfEmpty tries rmdir, which the kernel refuses (EBUSY) while
// the cgroup or one below it holds a process.
func (t *cgroupTree) releaseIfEmpty() bool {
	t.closeFD()
	err := unix.Rmdir(t.path)
	t.released = err == nil || errors.Is(err, unix.ENOENT)
	return t.released
}

func (t *cgroupTree) release() error {
	t.closeFD()
	if t.released {
		return nil
	}
	return cgroupRemove(t.path)
}

// cgroupSignal sends sig to every process in the cgroup at path. Each
// process is pinned with a pidfd and its membership checked after the pin,
// so a PID that was recycled since cgroup.procs was read is never hit.
func cgroupSignal(path string, sig syscall.Signal) error {
	pids, err := cgroupProcs(path)
	if err != nil {
		return err
	}
	var errs []error
	for _, pid := range pids {
		err := signalVerified(pid, sig, func() bool { return inCgroup(pid, path) })
		if err != nil && !errors.Is(err, errNotOurs) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// cgroupProcs lists the processes in the cgroup at path and in the
// cgroups below it.
func cgroupProcs(path string) ([]int, error) {
	b, err := os.ReadFile(filepath.Join(path, "cgroup.procs"))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
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
			sub, err := cgroupProcs(filepath.Join(path, e.Name()))
			if err != nil {
				return nil, err
			}
			pids = append(pids, sub...)
		}
	}
	return pids, nil
}

// inCgroup reports whether pid is a member of the cgroup at path or of
// one below it.
func inCgroup(pid int, path string) bool {
	rel, err := ownCgroup(strconv.Itoa(pid))
	if err != nil {
		return false
	}
	p := filepath.Join(cgroup2Mount(), rel)
	return p == path || strings.HasPrefix(p, path+"/")
}

// cgroupKill SIGKILLs every process in the cgroup at once (cgroup.kill,
// Linux 5.14+): a process forking at that moment cannot slip out.
func cgroupKill(path string) error {
	err := os.WriteFile(filepath.Join(path, "cgroup.kill"), []byte("1"), 0)
	if errors.Is(err, fs.ErrNotExist) {
		if _, serr := os.Stat(path); errors.Is(serr, fs.ErrNotExist) {
			return nil // already removed: nothing left to kill
		}
		return cgroupSignal(path, syscall.SIGKILL)
	}
	if err != nil {
		return fmt.Errorf("kill cgroup %s: %w", path, err)
	}
	return nil
}

// cgroupEmpty reads "populated" from cgroup.events. Zombies do not count:
// a process leaves its cgroup when it exits, before it is reaped.
func cgroupEmpty(path string) (bool, error) {
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

// cgroupRemove removes an empty cgroup and the cgroups below it (a
// process of the tree that is itself a corral supervisor nests its trees'
// cgroups inside its own). The kernel may report a cgroup busy for a
// moment after its last process exited, so EBUSY is retried briefly.
func cgroupRemove(path string) error {
	err := unix.Rmdir(path)
	if err == nil || errors.Is(err, unix.ENOENT) {
		return nil
	}
	entries, _ := os.ReadDir(path)
	for _, e := range entries {
		if e.IsDir() {
			if err := cgroupRemove(filepath.Join(path, e.Name())); err != nil {
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

// isCgroup2Dir reports whether path is a directory on a cgroup v2
// file system owned by the calling user.
func isCgroup2Dir(path string) bool {
	var st unix.Statfs_t
	if unix.Statfs(path, &st) != nil || st.Type != unix.CGROUP2_SUPER_MAGIC {
		return false
	}
	fi, err := os.Lstat(path)
	return err == nil && fi.IsDir() && ownedByUs(fi)
}
