package main

import (
	"testing"
	"time"
)

// One Ctrl-C stops a shell loop over corral run on a real terminal, as it
// does over the bare command: the command dies of SIGINT, corral dies of
// SIGINT after it (not exit 130, which bash takes for an ordinary
// status), and bash abandons the loop (issue 10, item 1).
func TestE2ETerminalCtrlCStopsShellLoop(t *testing.T) {
	e := newE2E(t)
	marker := newMarker(t)
	killMarked(t, marker)
	_, sc, type_ := startJobShell(t, e)

	eventually(t, 20*time.Second, "the shell's prompt", func() bool { return sc.has("PROMPT> ") })
	type_("for i in 1 2 3; do " + e.bin + " run -e " + markerEnv + "=" + marker + " -- sh -c 'echo iteration-$0; exec sleep 30' $i; done; echo loop-went-on\n")
	eventually(t, 20*time.Second, "the first iteration to run", func() bool { return sc.has("iteration-1") })
	eventually(t, 10*time.Second, "the command to be running", func() bool { return len(markedProcs(marker)) == 1 })
	prompts := sc.count("PROMPT> ")
	type_("\x03") // Ctrl-C
	eventually(t, 20*time.Second, "the shell's prompt after Ctrl-C", func() bool { return sc.count("PROMPT> ") > prompts })
	type_("echo shell-$((1+1))-back\n")
	eventually(t, 10*time.Second, "the shell to run a command", func() bool { return sc.has("shell-2-back") })
	if sc.has("iteration-2") || sc.count("loop-went-on") > 1 { // once: the echo of the typed line
		t.Fatal("the loop went on after Ctrl-C")
	}
	eventually(t, 10*time.Second, "the tree to be gone", func() bool { return len(markedProcs(marker)) == 0 })
	type_("exit\n")
}
