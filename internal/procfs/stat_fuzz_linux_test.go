package procfs

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// FuzzParseStat checks ParseStat on any line: an error comes with a zero
// Stat; an accepted line gives the command name between the first '(' and
// the last ')', the state as the one-byte field after it, the same Stat
// when fields are appended (newer kernels add them), and the same Stat
// again from a line written back in the kernel's format.
func FuzzParseStat(f *testing.F) {
	f.Add("1 (init) S 0 1 1 0 -1 4194560 18808 302465 0 149 44 133 816 399 20 0 1 0 23 52035584 2825 18446744073709551615 1 1 0 0 0 0 0 4096 1256 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n")
	f.Add("2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 23 0 0 18446744073709551615 0 0 0 0 0 0 0 2147483647 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n")
	f.Add("1234 (a) b (c) S 1 1234 1234 0 -1 4194560 100 0 0 0 11 22 -33 44 20 0 1 0 5555 10000000 777")
	f.Add("1234 () R 5 6) S 1 2 3")
	if b, err := os.ReadFile("/proc/self/stat"); err == nil {
		f.Add(string(b))
	}

	f.Fuzz(func(t *testing.T, line string) {
		s, err := ParseStat(line)
		if err != nil {
			if s != (Stat{}) {
				t.Fatalf("ParseStat(%q) = %+v together with error %v", line, s, err)
			}
			return
		}
		open, end := strings.IndexByte(line, '('), strings.LastIndexByte(line, ')')
		if open < 0 || end < open || s.Comm != line[open+1:end] {
			t.Fatalf("ParseStat(%q): comm %q, want the text between the first '(' and the last ')'", line, s.Comm)
		}
		if f := strings.Fields(line[end+1:]); len(f) == 0 || f[0] != string([]byte{s.State}) {
			t.Fatalf("ParseStat(%q): state %q is not the field after the command name", line, s.State)
		}
		if more, err := ParseStat(strings.TrimRight(line, "\n") + " 7 8 9\n"); err != nil || more != s {
			t.Fatalf("ParseStat(%q) with fields appended = %+v, %v; want %+v", line, more, err, s)
		}
		again, err := ParseStat(formatStat(s))
		if err != nil || again != s {
			t.Fatalf("ParseStat(%q) = %+v, but its kernel-format line %q parses to %+v, %v", line, s, formatStat(s), again, err)
		}
	})
}

// formatStat writes s as the kernel writes /proc/PID/stat (proc(5)),
// with zero in the fields Stat does not keep.
func formatStat(s Stat) string {
	return fmt.Sprintf("%d (%s) %s %d %d %d 0 -1 0 0 0 0 0 %d %d %d %d 20 0 1 0 %d 0 %d 0 0 0\n",
		s.PID, s.Comm, string([]byte{s.State}), s.PPID, s.PGID, s.Session,
		s.UTime, s.STime, s.CUTime, s.CSTime, s.StartTime, s.RSSPages)
}
