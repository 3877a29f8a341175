package cgroup

import (
	"fmt"
	"strings"
	"testing"
)

// FuzzCgroup2MountPoint checks the mountinfo line parser two ways. Any
// line: no mount point without ok, and ok only for a cgroup2 line. A line
// written as the kernel writes it (fs/proc_namespace.c: the root, the
// mount point and the file system type with space, tab, newline and
// backslash escaped as \ooo) from a mount point, a root and a type: the
// mount point comes back as it was, exactly when the type is cgroup2 and
// the root is "/".
func FuzzCgroup2MountPoint(f *testing.F) {
	f.Add("35 25 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot", "sys/fs/cgroup", "/", "cgroup2")
	f.Add("36 30 0:31 / /sys/fs/cgroup/unified rw shared:9 - cgroup2 none rw,nsdelegate", "sys/fs/cgroup/unified", "/", "cgroup")
	f.Add("37 30 0:32 /sub /mnt/cg rw - cgroup2 none rw", "mnt/my cgroup", "/sub", "cgroup2")
	f.Add("38 30 0:33 / /mnt/a\\040b rw - cgroup2 none rw", "a\tb\\c\nd\u00a0e\x0bf", "/", "cgroup2")
	f.Add("garbage", "", "", "")

	f.Fuzz(func(t *testing.T, line, mountPoint, root, fsType string) {
		if mp, ok := cgroup2MountPoint(line); ok != (mp != "") {
			t.Fatalf("cgroup2MountPoint(%q) = %q, %v: want a mount point exactly with ok", line, mp, ok)
		} else if ok && !strings.Contains(line, " - cgroup2 ") {
			t.Fatalf("cgroup2MountPoint(%q) = %q, true for a line that is not cgroup2's", line, mp)
		}

		if strings.ContainsRune(mountPoint+root+fsType, 0) || fsType == "" {
			return // no path or type holds NUL; every mount has a type
		}
		mountPoint, root = "/"+mountPoint, "/"+strings.TrimPrefix(root, "/")
		kernelLine := fmt.Sprintf("41 30 0:35 %s %s rw,relatime shared:12 - %s none rw",
			mangle(root), mangle(mountPoint), mangle(fsType))
		mp, ok := cgroup2MountPoint(kernelLine)
		want := fsType == "cgroup2" && root == "/"
		if ok != want || (ok && mp != mountPoint) {
			t.Fatalf("cgroup2MountPoint(%q) = %q, %v; want %q, %v", kernelLine, mp, ok, mountPoint, want)
		}
	})
}

// mangle escapes a mountinfo field as the kernel does (seq_escape with
// " \t\n\\"): each of those bytes as a backslash and three octal digits.
func mangle(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; strings.IndexByte(" \t\n\\", c) >= 0 {
			fmt.Fprintf(&b, "\\%03o", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}
