package main

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// Ctrl-Z stops the command even when corral's stdin is not the terminal
// (issue 10, item 1): corral finds its controlling terminal through
// /dev/tty, gives the command the foreground, and the shell sees the job
// stopped with every process of the tree; fg runs it again and Ctrl-C
// ends it.
func TestE2ETerminalCtrlZWithStdinRedirected(t *testing.T) {
	e := newE2E(t)
	marker := newMarker(t)
	killMarked(t, marker)
	master, sc, type_ := startJobShell(t, e)

	eventually(t, 20*time.Second, "the shell's prompt", func() bool { return sc.has("PROMPT> ") })
	// The command ticks without forking: a Ctrl-Z that lands while sh
	// is in vfork(2) for sleep stops the child and leaves sh waiting in
	// the kernel, a job that never reports stopped, with or without
	// corral. bash waits on a FIFO it holds open for both reading and
	// writing instead, which never reaches EOF.
	fifo := filepath.Join(t.TempDir(), "tick")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	type_(e.bin + " run -e " + markerEnv + "=" + marker + " -- bash -c 'exec 3<>" + fifo + "; while :; do echo tick; read -t 0.1 -u 3; done' </dev/null\n")
	eventually(t, 20*time.Second, "the command to tick", func() bool { return sc.count("tick") >= 3 })
	waitTerminalHeldBy(t, master, marker, "the command to be given the terminal")
	prompts := sc.count("PROMPT> ")
	type_("\x1a") // Ctrl-Z
	eventually(t, 20*time.Second, "the shell to report the job stopped", func() bool { return sc.has("Stopped") })
	eventually(t, 20*time.Second, "the shell's prompt", func() bool { return sc.count("PROMPT> ") > prompts })
	eventually(t, 10*time.Second, "every process of the tree to be stopped", func() bool {
		pids := markedProcs(marker)
		for _, pid := range pids {
			if processState(pid) != 'T' {
				return false
			}
		}
		return len(pids) >= 1
	})
	type_("echo shell-$((1+1))-back\n")
	eventually(t, 10*time.Second, "the shell to run a command", func() bool { return sc.has("shell-2-back") })
	// What the job printed before it stopped is on the screen by now;
	// nothing more may come while the shell runs for half a second.
	ticks := sc.count("tick")
	type_("sleep 0.5; echo shell-$((2+2))-done\n")
	eventually(t, 10*time.Second, "the shell to run a command", func() bool { return sc.has("shell-4-done") })
	if n := sc.count("tick"); n != ticks {
		t.Fatalf("the stopped job printed %d more ticks", n-ticks)
	}
	type_("fg\n")
	eventually(t, 20*time.Second, "the command to tick again after fg", func() bool { return sc.count("tick") > ticks+2 })
	prompts = sc.count("PROMPT> ")
	type_("\x03") // Ctrl-C
	eventually(t, 20*time.Second, "the shell's prompt after Ctrl-C", func() bool { return sc.count("PROMPT> ") > prompts })
	eventually(t, 10*time.Second, "the tree to be gone", func() bool { return len(markedProcs(marker)) == 0 })
	if sc.has("goroutine") {
		t.Fatal("corral printed a goroutine dump")
	}
	type_("exit\n")
}
