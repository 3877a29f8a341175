package lines

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestForwardLines(t *testing.T) {
	long := strings.Repeat("y", 3*bufferSize+17)
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", nil},
		{"one line", "a\n", []string{"a\n"}},
		{"no trailing newline", "a\nb", []string{"a\n", "b"}},
		{"empty lines kept", "\n\nx\n", []string{"\n", "\n", "x\n"}},
		{"line longer than the buffer", "s\n" + long + "\nt", []string{"s\n", long + "\n", "t"}},
		{"long last line without newline", long, []string{long}},
		{"carriage returns untouched", "a\r\nb\r", []string{"a\r\n", "b\r"}},
	}
	for _, tt := range tests {
		for rname, r := range map[string]func(string) io.Reader{
			"whole":    func(s string) io.Reader { return strings.NewReader(s) },
			"one byte": func(s string) io.Reader { return iotest.OneByteReader(strings.NewReader(s)) },
		} {
			t.Run(tt.name+"/"+rname, func(t *testing.T) {
				rec := &lineRecorder{}
				Forward(r(tt.in), NewWriter(rec))
				got := rec.all()
				if len(got) != len(tt.want) {
					t.Fatalf("%d writes, want %d", len(got), len(tt.want))
				}
				for i := range got {
					if got[i] != tt.want[i] {
						t.Fatalf("write %d = %.40q, want %.40q", i, got[i], tt.want[i])
					}
				}
			})
		}
	}
}

// After the writer fails, lines are still read to the end, and the first
// error is kept.
func TestForwardLinesWriterFails(t *testing.T) {
	lw := NewWriter(failingWriter{})
	r := bytes.NewReader(bytes.Repeat([]byte("line\n"), 10000))
	Forward(r, lw)
	if r.Len() != 0 {
		t.Fatalf("%d bytes left unread after the writer failed", r.Len())
	}
	if lw.Err() == nil {
		t.Fatal("writer error lost")
	}
}

// Past the cap a line arrives in cap-sized Writes, and nothing is lost.
func TestForwardCapsLongLines(t *testing.T) {
	const capLen = 200 << 10
	line := strings.Repeat("z", 2*capLen+5000) + "\n"
	rec := &lineRecorder{}
	lw := NewWriter(rec)
	lw.SetMaxLine(capLen)
	Forward(strings.NewReader(line+"next\n"), lw)
	got := rec.all()
	if len(got) != 4 || len(got[0]) != capLen || len(got[1]) != capLen || got[2] != strings.Repeat("z", 5000)+"\n" || got[3] != "next\n" {
		lens := []int{}
		for _, g := range got {
			lens = append(lens, len(g))
		}
		t.Fatalf("writes of %v bytes, want %d, %d, 5001, 5", lens, capLen, capLen)
	}
}

// A 10 MiB line, past the size where the assembly buffer stops doubling,
// arrives whole in one Write; with a cap below it, it arrives in
// cap-sized Writes and nothing is lost (issue 11, item 6).
func TestForwardVeryLongLine(t *testing.T) {
	line := strings.Repeat("z", 10<<20) + "\n"
	for _, tt := range []struct {
		name   string
		max    int
		writes int
	}{
		{"default cap", 0, 1},
		{"cap of 3 MiB", 3 << 20, 4},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := &lineRecorder{}
			lw := NewWriter(rec)
			if tt.max > 0 {
				lw.SetMaxLine(tt.max)
			}
			Forward(strings.NewReader(line+"next\n"), lw)
			got := rec.all()
			if len(got) != tt.writes+1 || got[len(got)-1] != "next\n" {
				t.Fatalf("%d writes, want %d and then \"next\\n\"", len(got), tt.writes+1)
			}
			if joined := strings.Join(got[:tt.writes], ""); joined != line {
				t.Fatalf("the line arrived as %d bytes, want %d", len(joined), len(line))
			}
			for _, w := range got[:tt.writes] {
				if tt.max > 0 && len(w) > tt.max {
					t.Fatalf("a write of %d bytes, over the cap of %d", len(w), tt.max)
				}
			}
		})
	}
}
