package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal pair: the master the test types into and
// reads from, and the slave a session gets as its controlling terminal.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		requireOrSkipE2E(t, fmt.Sprintf("no pseudo-terminals here: %v", err))
	}
	t.Cleanup(func() { master.Close() })
	fd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlock pty: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("pty number: %v", err)
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open pty slave: %v", err)
	}
	t.Cleanup(func() { slave.Close() })
	return master, slave
}

// screen collects what the terminal shows.
type screen struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	session int // the session shown on failure, if not 0
}

func (s *screen) read(master *os.File) {
	b := make([]byte, 4096)
	for {
		n, err := master.Read(b)
		s.mu.Lock()
		s.buf.Write(b[:n])
		s.mu.Unlock()
		if err != nil {
			return
		}
	}
}

func (s *screen) count(text string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Count(s.buf.String(), text)
}

func (s *screen) has(text string) bool { return s.count(text) > 0 }

// logOnFailure shows the screen in the log of a failed test.
func (s *screen) logOnFailure(t *testing.T) {
	t.Cleanup(func() {
		if t.Failed() {
			s.mu.Lock()
			defer s.mu.Unlock()
			t.Logf("terminal showed:\n%s", s.buf.String())
			if s.session != 0 {
				out, _ := exec.Command("ps", "-s", fmt.Sprint(s.session), "-o", "pid,ppid,pgid,tpgid,stat,wchan:24,cmd").CombinedOutput()
				t.Logf("session's processes:\n%s", out)
			}
		}
	})
}

// On a terminal, corral run makes the command the foreground job: typed
// input reaches it, Ctrl-C goes to it (corral exits 130 and the tree is
// gone), and afterwards the terminal belongs to corral's caller again — a
// shell that then reads from it is not stopped by SIGTTIN.
func TestE2ETerminalForegroundAndCtrlC(t *testing.T) {
	for _, env := range [][]string{nil, {"CORRAL_CONTAINMENT=pgroup"}} {
		name := "default"
		if env != nil {
			name = "pgroup"
		}
		t.Run(name, func(t *testing.T) {
			e := newE2E(t, env...)
			marker := newMarker(t)
			killMarked(t, marker)
			script := `"$0" run -e ` + markerEnv + `=` + marker + ` -- sh -c 'echo ready; cat'; echo "corral exit=$?"; read line; echo "caller read $line"`
			master, sc, _ := startOnTerminal(t, e, "/bin/sh", "-c", script, e.bin)

			eventually(t, 20*time.Second, "the command to say ready", func() bool { return sc.has("ready") })
			pids := markedProcs(marker)
			fg, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPGRP)
			if err != nil {
				t.Fatal(err)
			}
			leaderPgid := -1
			for _, pid := range pids {
				if pgid, err := syscall.Getpgid(pid); err == nil && pgid == pid {
					leaderPgid = pgid
				}
			}
			if fg != leaderPgid {
				t.Fatalf("terminal foreground group %d, want the command's group %d", fg, leaderPgid)
			}
			master.Write([]byte("typed text\n"))
			eventually(t, 10*time.Second, "cat to echo typed input", func() bool {
				return sc.count("typed text") >= 2 // the terminal's echo, then cat's
			})
			master.Write([]byte{3}) // Ctrl-C
			eventually(t, 20*time.Second, "corral to exit 130 on Ctrl-C", func() bool { return sc.has("corral exit=130") })
			if left := markedProcs(marker); len(left) > 0 {
				t.Fatalf("processes left after Ctrl-C: %v", left)
			}
			master.Write([]byte("back\n"))
			eventually(t, 10*time.Second, "the caller to read the terminal again", func() bool { return sc.has("caller read back") })
		})
	}
}

// Ctrl-Z stops the command as a shell's job: the shell that ran corral
// sees the job stopped and gets the terminal back; fg gives it to the
// command again.
func TestE2ETerminalCtrlZ(t *testing.T) {
	e := newE2E(t)
	marker := newMarker(t)
	killMarked(t, marker)
	master, sc, type_ := startJobShell(t, e)

	eventually(t, 20*time.Second, "the shell's prompt", func() bool { return sc.has("PROMPT> ") })
	type_(e.bin + " run -e " + markerEnv + "=" + marker + " -- sh -c 'echo ready; cat'\n")
	// The command line is echoed, then the command's output follows.
	eventually(t, 20*time.Second, "the command to say ready", func() bool { return sc.count("ready") >= 2 })
	// Ctrl-Z while sh is inside vfork(2) for cat would leave sh waiting for
	// a stopped child, with or without corral: wait until both settled.
	eventually(t, 20*time.Second, "sh and cat to be waiting", func() bool {
		pids := markedProcs(marker)
		for _, pid := range pids {
			if processState(pid) != 'S' {
				return false
			}
		}
		return len(pids) == 2
	})
	prompts := sc.count("PROMPT> ")
	type_("\x1a") // Ctrl-Z
	eventually(t, 20*time.Second, "the shell to report the job stopped", func() bool { return sc.has("Stopped") })
	eventually(t, 20*time.Second, "the shell's prompt", func() bool { return sc.count("PROMPT> ") > prompts })
	type_("echo shell-$((1+1))-back\n")
	eventually(t, 10*time.Second, "the shell to run a command", func() bool { return sc.has("shell-2-back") })
	if n := len(markedProcs(marker)); n < 2 {
		t.Fatalf("the stopped job's processes are gone (%d left)", n)
	}
	// Continued in the background, cat stops again on reading the
	// terminal (SIGTTIN), and corral with it; then it is brought back.
	stopped := sc.count("Stopped")
	type_("bg\n")
	eventually(t, 20*time.Second, "the job to stop again in the background", func() bool {
		type_("jobs\n")
		time.Sleep(50 * time.Millisecond)
		return sc.count("Stopped") > stopped
	})
	type_("fg\n")
	waitTerminalHeldBy(t, master, marker, "the command to get the terminal back")
	type_("typed after fg\n")
	eventually(t, 10*time.Second, "cat to echo input after fg", func() bool { return sc.count("typed after fg") >= 2 })
	prompts = sc.count("PROMPT> ")
	type_("\x03") // Ctrl-C
	eventually(t, 20*time.Second, "the shell's prompt after Ctrl-C", func() bool { return sc.count("PROMPT> ") > prompts })
	type_("echo corral-exit=$?\n")
	eventually(t, 20*time.Second, "corral to exit 130", func() bool { return sc.has("corral-exit=130") })
	eventually(t, 10*time.Second, "the tree to be gone", func() bool { return len(markedProcs(marker)) == 0 })
	type_("exit\n")
}

// A corral started in the background of a job-control shell, whose
// command reads the terminal, stops with it (SIGTTIN) and runs on when
// brought to the foreground, as the bare command would.
func TestE2ETerminalBackgroundJob(t *testing.T) {
	e := newE2E(t)
	marker := newMarker(t)
	killMarked(t, marker)
	master, sc, type_ := startJobShell(t, e)

	eventually(t, 20*time.Second, "the shell's prompt", func() bool { return sc.has("PROMPT> ") })
	type_(e.bin + " run -e " + markerEnv + "=" + marker + " -- sh -c 'read x; echo got-$x' &\n")
	eventually(t, 20*time.Second, "the job to stop on reading the terminal", func() bool {
		type_("jobs\n")
		time.Sleep(50 * time.Millisecond)
		return sc.has("Stopped")
	})
	type_("echo shell-$((1+1))-alive\n")
	eventually(t, 10*time.Second, "the shell to keep the terminal", func() bool { return sc.has("shell-2-alive") })
	type_("fg\n")
	waitTerminalHeldBy(t, master, marker, "the command to get the terminal")
	type_("hello\n")
	eventually(t, 10*time.Second, "the command to read what was typed", func() bool { return sc.has("got-hello") })
	eventually(t, 10*time.Second, "the tree to be gone", func() bool { return len(markedProcs(marker)) == 0 })
	type_("exit\n")
}

// startJobShell starts an interactive bash, a job-control shell, on a new
// pseudo-terminal, and returns the terminal's master side, what it shows,
// and a function that types on it.
func startJobShell(t *testing.T, e *e2e) (*os.File, *screen, func(string)) {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		requireOrSkipE2E(t, "no bash for an interactive job-control shell")
	}
	return startOnTerminal(t, e, bash, "--norc", "--noprofile", "-i")
}

// startOnTerminal starts path with args as the leader of a new session
// whose controlling terminal is a new pseudo-terminal, with corral's test
// environment, and returns the master side, what the terminal shows, and a
// function that types on it.
func startOnTerminal(t *testing.T, e *e2e, path string, args ...string) (*os.File, *screen, func(string)) {
	t.Helper()
	master, slave := openPTY(t)
	cmd := exec.Command(path, args...)
	cmd.Env = append(e.command().Env, "PS1=PROMPT> ", "TERM=dumb")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-exited })
	sc := &screen{session: cmd.Process.Pid}
	go sc.read(master)
	sc.logOnFailure(t)
	return master, sc, func(s string) { master.Write([]byte(s)) }
}

// waitTerminalHeldBy waits until the terminal's foreground group is one of
// the processes carrying marker.
func waitTerminalHeldBy(t *testing.T, master *os.File, marker, what string) {
	t.Helper()
	eventually(t, 10*time.Second, what, func() bool {
		fg, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPGRP)
		if err != nil {
			return false
		}
		for _, pid := range markedProcs(marker) {
			if pid == fg {
				return true
			}
		}
		return false
	})
}

// processState is the state letter of pid in /proc/PID/stat, or 0.
func processState(pid int) byte {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return 0
	}
	return b[i+2]
}

// requireOrSkipE2E skips, or fails under CI=true, where nothing may skip.
func requireOrSkipE2E(t *testing.T, reason string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true and cannot run: %s", reason)
	}
	t.Skip(reason)
}
