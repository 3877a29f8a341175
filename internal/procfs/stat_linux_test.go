package procfs

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	// Fields 3 to 52 of a real line, for a process with 11 ticks of user
	// time, 22 of system time, 33 and 44 of reaped children, started 5555
	// ticks after boot, with 777 resident pages.
	const rest = "S 1 1234 1234 0 -1 4194560 100 0 0 0 11 22 33 44 20 0 1 0 5555 " +
		"10000000 777 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 3 0 0 0 0 0 " +
		"0 0 0 0 0 0 0 0"
	want := Stat{PID: 1234, State: 'S', PPID: 1, PGID: 1234, Session: 1234, UTime: 11, STime: 22,
		CUTime: 33, CSTime: 44, StartTime: 5555, RSSPages: 777}
	with := func(comm string) Stat { s := want; s.Comm = comm; return s }

	tests := []struct {
		name string
		line string
		want Stat
	}{
		{"plain", "1234 (bash) " + rest, with("bash")},
		{"newline", "1234 (bash) " + rest + "\n", with("bash")},
		{"parentheses", "1234 (a) b (c) " + rest, with("a) b (c")},
		{"spaces", "1234 (tmux: server) " + rest, with("tmux: server")},
		{"empty", "1234 () " + rest, with("")},
		{"close paren", "1234 ()) " + rest, with(")")},
		{"looks like fields", "1234 () R 5 6) " + rest, with(") R 5 6")},
		{"other letter", "1234 (x) Z" + strings.TrimPrefix(rest, "S"),
			func() Stat { s := with("x"); s.State = 'Z'; return s }()},
		{"negative children times", "1234 (x) " +
			strings.Replace(rest, " 33 44 ", " -3 -4 ", 1),
			func() Stat { s := with("x"); s.CUTime, s.CSTime = 0, 0; return s }()},
		{"only the needed fields", "1234 (x) " + strings.Join(strings.Fields(rest)[:22], " "), with("x")},
	}
	for _, tt := range tests {
		got, err := ParseStat(tt.line)
		if err != nil || got != tt.want {
			t.Errorf("%s: ParseStat(%q) =\n%+v, %v; want\n%+v", tt.name, tt.line, got, err, tt.want)
		}
	}

	bad := []struct{ name, line string }{
		{"empty", ""},
		{"no parentheses", "1234 bash " + rest},
		{"no close", "1234 (bash " + rest},
		{"close before open", "1234 )bash( " + rest},
		{"bad pid", "12x4 (bash) " + rest},
		{"no pid", "(bash) " + rest},
		{"few fields", "1234 (bash) S 1 2 3"},
		{"long state", "1234 (bash) " + "SS" + strings.TrimPrefix(rest, "S")},
		{"bad utime", "1234 (bash) " + strings.Replace(rest, " 11 22 ", " 1x 22 ", 1)},
		{"bad rss", "1234 (bash) " + strings.Replace(rest, " 777 ", " many ", 1)},
	}
	for _, tt := range bad {
		if got, err := ParseStat(tt.line); err == nil {
			t.Errorf("%s: ParseStat(%q) = %+v, nil; want an error", tt.name, tt.line, got)
		}
	}
}

func TestParseStatOfSelf(t *testing.T) {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseStat(string(b))
	if err != nil {
		t.Fatal(err)
	}
	if s.PID != os.Getpid() || s.PPID != os.Getppid() || s.RSSPages == 0 || s.StartTime == 0 {
		t.Errorf("ParseStat(/proc/self/stat) = %+v; want pid %d, ppid %d, resident pages, a start time",
			s, os.Getpid(), os.Getppid())
	}
}

func TestParseUptime(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"350735.47 234388.90\n", 350735*time.Second + 470*time.Millisecond, false},
		{"12.00 3.00", 12 * time.Second, false},
		{"", 0, true},
		{"abc 1.0", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseUptime(tt.in)
		if (err != nil) != tt.wantErr || got.Round(time.Millisecond) != tt.want {
			t.Errorf("ParseUptime(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestTreeOf(t *testing.T) {
	procs := map[int]Stat{}
	for pid, ppid := range map[int]int{
		1: 0, 10: 1, 11: 10, 12: 11, 13: 10, 20: 1,
		30: 31, 31: 30, // a loop, as a reused PID can make in a scan
	} {
		procs[pid] = Stat{PID: pid, PPID: ppid}
	}
	tests := []struct {
		root int
		want []int
	}{
		{10, []int{10, 11, 12, 13}},
		{12, []int{12}},
		{20, []int{20}},
		{1, []int{1, 10, 11, 12, 13, 20}},
		{30, []int{30, 31}},
		{99, nil},
	}
	for _, tt := range tests {
		var got []int
		for _, s := range TreeOf(tt.root, procs) {
			got = append(got, s.PID)
		}
		slices.Sort(got)
		if !slices.Equal(got, tt.want) {
			t.Errorf("TreeOf(%d) = %v, want %v", tt.root, got, tt.want)
		}
	}
}
