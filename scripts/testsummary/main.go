// Command testsummary reads the events of `go test -json` on its standard
// input and writes what a plain `go test` run would show, then a report:
//
//	go test -json ./... 2>&1 | go run ./scripts/testsummary [-summary FILE]
//
// Passed through: the output of each failed test (and whatever it prints
// after failing, such as a panic's trace), build errors, and the output
// that belongs to no test ("ok  pkg 1.2s", "FAIL pkg", what TestMain
// prints), as `go test` without -v shows them; the "=== RUN" framing
// lines are left out. Lines that are not JSON (the go command's own
// errors) are passed through as they are.
//
// Counted: every test, subtest, example and fuzz seed entry, each by its
// own result, so a table test with three cases and its parent count four.
// A test that started and never ended (its binary panicked or timed out)
// counts as failed, as does a package that failed outside any test: a
// build failure, a TestMain or leak check failing, counted once under the
// package's name.
//
// The report, after the output: every skipped test by package and name
// with its skip reason, every failed test, and last, alone on its line,
//
//	N passed, M failed, K skipped
//
// written to FILE instead of standard output when -summary is given, so a
// script can print it last. The exit status is 1 when anything failed, 2
// when the input cannot be read; the caller must still check go test's own
// status (set -o pipefail), which covers failures that emit no event.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

func main() {
	summaryFile := flag.String("summary", "", "write the summary line to this file instead of standard output")
	flag.Parse()
	t, err := summarize(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(2)
	}
	t.report(os.Stdout)
	line := t.line() + "\n"
	if *summaryFile == "" {
		fmt.Print(line)
	} else if err := os.WriteFile(*summaryFile, []byte(line), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(2)
	}
	if t.failed > 0 {
		os.Exit(1)
	}
}

// event is one line of `go test -json` (cmd/test2json), with the fields
// of the go command's build events.
type event struct {
	Action      string
	Package     string
	Test        string
	Output      string
	ImportPath  string
	FailedBuild string
}

// entry is a test in the report.
type entry struct{ name, reason string }

// tally is what has been seen so far.
type tally struct {
	passed, failed, skipped int
	skips, fails            []entry

	out     io.Writer
	running map[string]*strings.Builder // output of tests still running, by key
	failing map[string]bool             // tests that failed: their later output is shown
	pkgFail map[string]bool             // packages with a failed test
}

// summarize reads events from in until EOF, writing the output to show to
// out, and returns the counts.
func summarize(in io.Reader, out io.Writer) (*tally, error) {
	t := &tally{out: out, running: map[string]*strings.Builder{}, failing: map[string]bool{}, pkgFail: map[string]bool{}}
	r := bufio.NewReader(in)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			t.line1(line)
		}
		if errors.Is(err, io.EOF) {
			return t, nil
		}
		if err != nil {
			return t, err
		}
	}
}

func (t *tally) line1(line []byte) {
	var e event
	if !json.Valid(line) || json.Unmarshal(line, &e) != nil || e.Action == "" {
		t.out.Write(line)
		return
	}
	if e.Test == "" {
		t.packageEvent(e)
		return
	}
	key := e.Package + " " + e.Test
	switch e.Action {
	case "run":
		t.running[key] = &strings.Builder{}
	case "output":
		if t.failing[key] {
			t.show(e.Output)
		} else if b := t.running[key]; b != nil {
			b.WriteString(e.Output)
		}
	case "pass":
		t.passed++
		delete(t.running, key)
	case "skip":
		t.skipped++
		t.skips = append(t.skips, entry{key, skipReason(t.running[key])})
		delete(t.running, key)
	case "fail":
		t.fail(e.Package, key, "")
	}
}

// fail counts a failed test and shows what it printed.
func (t *tally) fail(pkg, key, reason string) {
	t.failed++
	t.fails = append(t.fails, entry{key, reason})
	t.pkgFail[pkg] = true
	t.failing[key] = true
	if b := t.running[key]; b != nil {
		for _, l := range strings.SplitAfter(b.String(), "\n") {
			t.show(l)
		}
	}
	delete(t.running, key)
}

func (t *tally) packageEvent(e event) {
	switch e.Action {
	case "build-output":
		t.show(e.Output)
	case "output":
		if strings.HasPrefix(e.Output, "FAIL\t"+e.Package) {
			t.failUnfinished(e.Package) // show their output before the verdict
		}
		if e.Output != "PASS\n" {
			t.show(e.Output)
		}
	case "fail":
		t.failUnfinished(e.Package)
		switch {
		case e.FailedBuild != "":
			t.fail(e.Package, e.Package, "build failed")
		case !t.pkgFail[e.Package]:
			t.fail(e.Package, e.Package, "failed outside any test")
		}
	}
}

// failUnfinished fails the tests of pkg that started and never ended: its
// test binary exited under them (a panic, a timeout, os.Exit).
func (t *tally) failUnfinished(pkg string) {
	var unfinished []string
	for key := range t.running {
		if strings.HasPrefix(key, pkg+" ") {
			unfinished = append(unfinished, key)
		}
	}
	sort.Strings(unfinished)
	for _, key := range unfinished {
		t.fail(pkg, key, "did not finish")
	}
}

// show writes a line of test output, leaving out the -v framing.
func (t *tally) show(s string) {
	if s == "" || strings.HasPrefix(s, "=== ") {
		return
	}
	io.WriteString(t.out, s)
}

// skipReason is what a skipped test printed, without the framing lines.
func skipReason(b *strings.Builder) string {
	if b == nil {
		return "no reason given"
	}
	var r []string
	for _, l := range strings.Split(b.String(), "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "=== ") && !strings.HasPrefix(l, "--- SKIP") {
			r = append(r, l)
		}
	}
	if len(r) == 0 {
		return "no reason given"
	}
	return strings.Join(r, "; ")
}

// report writes the skipped and the failed tests.
func (t *tally) report(w io.Writer) {
	list := func(title string, es []entry) {
		if len(es) == 0 {
			return
		}
		fmt.Fprintf(w, "\n%s (%d):\n", title, len(es))
		for _, e := range es {
			if e.reason != "" {
				fmt.Fprintf(w, "   - %s: %s\n", e.name, e.reason)
			} else {
				fmt.Fprintf(w, "   - %s\n", e.name)
			}
		}
	}
	list("skipped tests", t.skips)
	list("failed tests", t.fails)
}

// line is the summary line.
func (t *tally) line() string {
	return fmt.Sprintf("%d passed, %d failed, %d skipped", t.passed, t.failed, t.skipped)
}
