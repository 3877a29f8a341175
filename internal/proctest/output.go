package proctest

import (
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Clause 1: output, line by line.
var outputTests = []test{
	{"Output/OneWritePerLine", 1, testOneWritePerLine},
	{"Output/Line1MiB", 1, func(t *testing.T, f *fixture) { testLongLine(t, f, 1<<20) }},
	{"Output/Line10MiB", 1, func(t *testing.T, f *fixture) { testLongLine(t, f, 10<<20) }},
	{"Output/StreamsDoNotInterleave", 1, testStreamsDoNotInterleave},
	{"Output/NoWriterNeverBlocks", 1, func(t *testing.T, f *fixture) { testNeverBlocks(t, f, nil) }},
	{"Output/FailingWriterNeverBlocks", 1, func(t *testing.T, f *fixture) { testNeverBlocks(t, f, failingWriter{}) }},
}

// Each line reaches the writer in one Write, newline included; an empty
// line too; a last line without newline is delivered as it is.
func testOneWritePerLine(t *testing.T, f *fixture) {
	got := f.output(`printf 'one\ntwo two\n\nlast without newline'`)
	want := []string{"one\n", "two two\n", "\n", "last without newline"}
	if !slices.Equal(got, want) {
		t.Fatalf("writes %q, want %q", got, want)
	}
}

// A line of n bytes arrives whole, in one Write, and so does the last
// line, without newline, after it.
func testLongLine(t *testing.T, f *fixture, n int) {
	const block = 1 << 16
	got := f.output(`dd if=/dev/zero bs=`+strconv.Itoa(block)+` count="$1" 2>/dev/null | tr '\000' x
printf '\nlast line without newline'`, strconv.Itoa(n/block))
	if len(got) != 2 {
		lens := make([]int, len(got))
		for i, w := range got {
			lens[i] = len(w)
		}
		t.Fatalf("got %d writes of lengths %v, want 2: the line of %d bytes and the last line", len(got), lens, n)
	}
	if len(got[0]) != n+1 || strings.Trim(got[0], "x") != "\n" {
		t.Errorf("first write: %d bytes, want %d x's and a newline", len(got[0]), n)
	}
	if got[1] != "last line without newline" {
		t.Errorf("last write %q", got[1])
	}
}

// Two streams written at once, each through its own buffered writer so
// that lines cross the pipe in pieces: every Write is one whole line of
// one stream, and no line is lost or reordered within its stream.
func testStreamsDoNotInterleave(t *testing.T, f *fixture) {
	const n = 20000
	got := f.output(`a='BEGIN { for (i = 0; i < 100; i++) t = t s; for (i = 0; i < n; i++) print t, i }'
awk -v n="$1" -v s=out "$a" &
awk -v n="$1" -v s=err "$a" >&2 &
wait`, strconv.Itoa(n))
	next := map[string]int{}
	for _, w := range got {
		tag, num, ok := strings.Cut(strings.TrimSuffix(w, "\n"), " ")
		if !ok || !strings.HasSuffix(w, "\n") || len(tag) != 300 || strings.Trim(tag, tag[:3]) != "" {
			t.Fatalf("write is not one whole line: %.80q", w)
		}
		stream := tag[:3]
		if i, err := strconv.Atoi(num); err != nil || i != next[stream] {
			t.Fatalf("stream %s: line %q, want %d", stream, num, next[stream])
		}
		next[stream]++
	}
	if next["out"] != n || next["err"] != n || len(next) != 2 {
		t.Fatalf("got lines per stream %v, want %d of out and err each", next, n)
	}
}

// With no writer, or one that fails, the child writes 8 MiB (far more
// than a pipe holds) and exits 0: its output was drained. A failing
// writer's error is reported by Run, as os/exec reports it.
func testNeverBlocks(t *testing.T, f *fixture, w io.Writer) {
	p := f.sh(`awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) print "flood line of the never-blocks test" }'`, strconv.Itoa(8<<20/36))
	p.WithOutput(w)
	err := p.Run(f.ctx)
	var ee exitCoder
	if errors.As(err, &ee) {
		t.Fatalf("the child failed to write its output: %v", err)
	}
	if w == nil && err != nil {
		t.Fatalf("Run = %v", err)
	}
	if w != nil && !errors.Is(err, errSink) {
		t.Fatalf("Run = %v, want the writer's error reported", err)
	}
}
