package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestMain lets the test binary run as the command itself.
func TestMain(m *testing.M) {
	if os.Getenv("TESTSUMMARY_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestCommand runs the command: the summary line goes to -summary's file
// (or last to standard output without it), and the exit status is 1 when
// anything failed, 0 otherwise.
func TestCommand(t *testing.T) {
	for _, tt := range []struct {
		input, line string
		status      int
	}{
		{"mixed", "3 passed, 1 failed, 2 skipped", 1},
		{"build_failure", "0 passed, 1 failed, 0 skipped", 1},
		{"passing", "2 passed, 0 failed, 0 skipped", 0},
	} {
		for _, toFile := range []bool{false, true} {
			summary := filepath.Join(t.TempDir(), "summary")
			cmd := exec.Command(os.Args[0])
			if toFile {
				cmd.Args = append(cmd.Args, "-summary", summary)
			}
			cmd.Env = append(os.Environ(), "TESTSUMMARY_RUN_MAIN=1")
			in, err := os.Open(filepath.Join("testdata", tt.input+".jsonl"))
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stdin = in
			out, err := cmd.Output()
			in.Close()
			status := 0
			if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
				status = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
			last := lines[len(lines)-1]
			if toFile {
				b, err := os.ReadFile(summary)
				if err != nil {
					t.Fatal(err)
				}
				if string(b) != tt.line+"\n" || strings.Contains(string(out), tt.line) {
					t.Errorf("%s -summary: file %q, output %q; want the line %q in the file only", tt.input, b, out, tt.line)
				}
			} else if last != tt.line {
				t.Errorf("%s: last line %q, want %q", tt.input, last, tt.line)
			}
			if status != tt.status {
				t.Errorf("%s: exit status %d, want %d", tt.input, status, tt.status)
			}
		}
	}
}

// The files in testdata are real `go test -json` output (go1.26) of small
// packages: a build failure, a TestMain failing after its tests passed,
// passing, failing and skipped tests and subtests, a panic, a timeout
// (passing.jsonl is put together from lines of the others).
func TestSummarize(t *testing.T) {
	tests := []struct {
		name         string
		files        []string
		raw          string // appended after the files
		line         string
		skips, fails []string // "pkg Test" names
		shown        []string // in the output
		hidden       []string // not in the output
	}{
		{
			name:  "passing, failing and skipped tests and subtests",
			files: []string{"mixed"},
			line:  "3 passed, 1 failed, 2 skipped",
			skips: []string{"tsdemo/ok TestSkip: ok_test.go:6: needs root", "tsdemo/ok TestTable/b: ok_test.go:10: no docker here"},
			fails: []string{"tsdemo/ok TestFail"},
			shown: []string{"--- FAIL: TestFail", "want 2, got 3", "FAIL\ttsdemo/ok"},
			// A passing test's log and the -v framing stay out, as in a
			// plain go test run.
			hidden: []string{"noise from a passing test", "=== RUN", "--- PASS", "--- SKIP"},
		},
		{
			name:  "build failure",
			files: []string{"build_failure"},
			line:  "0 passed, 1 failed, 0 skipped",
			fails: []string{"tsdemo/bad: build failed"},
			shown: []string{"bad_test.go:5:28: undefined: undefined", "FAIL\ttsdemo/bad [build failed]"},
		},
		{
			name:  "panic in a test",
			files: []string{"panic"},
			line:  "1 passed, 1 failed, 0 skipped",
			fails: []string{"tsdemo/panicky TestPanic"},
			shown: []string{"--- FAIL: TestPanic", "panic: assignment to entry in nil map", "p_test.go:6"},
		},
		{
			name:  "timeout: tests that never end fail",
			files: []string{"timeout"},
			line:  "0 passed, 2 failed, 0 skipped",
			fails: []string{"tsdemo/hang TestHang: did not finish", "tsdemo/hang TestHang/sub: did not finish"},
			shown: []string{"panic: test timed out after 2s", "FAIL\ttsdemo/hang"},
		},
		{
			name:  "TestMain fails after its tests pass",
			files: []string{"testmain_failure"},
			line:  "1 passed, 1 failed, 0 skipped",
			fails: []string{"tsdemo/leak: failed outside any test"},
			shown: []string{"leaked goroutine", "FAIL\ttsdemo/leak"},
		},
		{
			name:  "all together",
			files: []string{"build_failure", "testmain_failure", "mixed", "panic"},
			line:  "5 passed, 4 failed, 2 skipped",
			skips: []string{"tsdemo/ok TestSkip: ok_test.go:6: needs root", "tsdemo/ok TestTable/b: ok_test.go:10: no docker here"},
			fails: []string{"tsdemo/bad: build failed", "tsdemo/leak: failed outside any test", "tsdemo/ok TestFail", "tsdemo/panicky TestPanic"},
		},
		{
			name:  "lines that are not events pass through",
			raw:   "go: downloading example.com/x v1.0.0\n{\"Action\":\"start\",\"Package\":\"p\"}\n{not json\n",
			line:  "0 passed, 0 failed, 0 skipped",
			shown: []string{"go: downloading example.com/x v1.0.0\n", "{not json\n"},
		},
		{
			name: "skip without a reason, output without a final newline",
			raw: `{"Action":"run","Package":"p","Test":"TestS"}` + "\n" +
				`{"Action":"output","Package":"p","Test":"TestS","Output":"--- SKIP: TestS (0.00s)\n"}` + "\n" +
				`{"Action":"skip","Package":"p","Test":"TestS"}` + "\n" +
				`{"Action":"output","Package":"p","Output":"ok  \tp\t0.01s\n"}` + "\n" +
				`{"Action":"pass","Package":"p"}`,
			line:  "0 passed, 0 failed, 1 skipped",
			skips: []string{"p TestS: no reason given"},
			shown: []string{"ok  \tp\t0.01s"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in strings.Builder
			for _, f := range tt.files {
				b, err := os.ReadFile(filepath.Join("testdata", f+".jsonl"))
				if err != nil {
					t.Fatal(err)
				}
				in.Write(b)
			}
			in.WriteString(tt.raw)
			var out strings.Builder
			got, err := summarize(strings.NewReader(in.String()), &out)
			if err != nil {
				t.Fatal(err)
			}
			if got.line() != tt.line {
				t.Errorf("summary %q, want %q", got.line(), tt.line)
			}
			if s, f := names(got.skips), names(got.fails); !slices.Equal(s, tt.skips) || !slices.Equal(f, tt.fails) {
				t.Errorf("skipped %q, failed %q; want %q, %q", s, f, tt.skips, tt.fails)
			}
			for _, s := range tt.shown {
				if !strings.Contains(out.String(), s) {
					t.Errorf("output lacks %q:\n%s", s, out.String())
				}
			}
			for _, s := range tt.hidden {
				if strings.Contains(out.String(), s) {
					t.Errorf("output shows %q:\n%s", s, out.String())
				}
			}
		})
	}
}

func names(es []entry) []string {
	var out []string
	for _, e := range es {
		if e.reason != "" {
			out = append(out, e.name+": "+e.reason)
		} else {
			out = append(out, e.name)
		}
	}
	return out
}

// TestReport checks the report's shape: the skipped tests, then the
// failed tests, each listed by name.
func TestReport(t *testing.T) {
	b, err := os.ReadFile("testdata/mixed.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	got, err := summarize(strings.NewReader(string(b)), &strings.Builder{})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	got.report(&out)
	want := "\nskipped tests (2):\n" +
		"   - tsdemo/ok TestSkip: ok_test.go:6: needs root\n" +
		"   - tsdemo/ok TestTable/b: ok_test.go:10: no docker here\n" +
		"\nfailed tests (1):\n" +
		"   - tsdemo/ok TestFail\n"
	if out.String() != want {
		t.Errorf("report:\n%s\nwant:\n%s", out.String(), want)
	}
}
