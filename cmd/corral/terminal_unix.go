//go:build unix

package main

import (
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// foregroundTerminal returns f when it is corral's controlling terminal
// and corral's process group is its foreground group, else nil: only then
// may the command be given the terminal. corral started in the background
// (`corral run … &`) must not take the terminal from the shell.
// TIOCGPGRP fails with ENOTTY on anything but our controlling terminal
// (tty_ioctl(4)).
func foregroundTerminal(f *os.File) *os.File {
	if f == nil {
		return nil
	}
	pgrp, err := unix.IoctlGetInt(int(f.Fd()), unix.TIOCGPGRP)
	if err != nil || pgrp != unix.Getpgrp() {
		return nil
	}
	return f
}

// controllingTerminal returns f when it is corral's controlling terminal,
// whichever process group is in its foreground, else nil.
func controllingTerminal(f *os.File) *os.File {
	if f == nil {
		return nil
	}
	if _, err := unix.IoctlGetInt(int(f.Fd()), unix.TIOCGPGRP); err != nil {
		return nil
	}
	return f
}

// findControllingTerminal returns corral's controlling terminal: stdin
// when it is that terminal, else the terminal open(tty) gives (/dev/tty),
// so that Ctrl-Z stops the command even when its stdin is redirected
// (`corral run -- cmd </dev/null`). It returns nil when corral has no
// controlling terminal, and a function that closes what it opened.
func findControllingTerminal(stdin *os.File, open func() (*os.File, error)) (*os.File, func()) {
	if tty := controllingTerminal(stdin); tty != nil || open == nil {
		return tty, func() {}
	}
	f, err := open()
	if err != nil {
		return nil, func() {}
	}
	if controllingTerminal(f) == nil {
		f.Close()
		return nil, func() {}
	}
	return f, func() { f.Close() }
}

// openDevTTY opens /dev/tty, the calling process's controlling terminal;
// it fails (ENXIO) for a process that has none. O_NOCTTY: it is already
// ours, and must not become anyone's by this open.
func openDevTTY() (*os.File, error) {
	return os.OpenFile("/dev/tty", os.O_RDWR|syscall.O_NOCTTY, 0)
}

// terminalHeldBy reports whether process group pgid is tty's foreground
// group.
func terminalHeldBy(tty *os.File, pgid int) bool {
	fg, err := unix.IoctlGetInt(int(tty.Fd()), unix.TIOCGPGRP)
	return err == nil && fg == pgid
}

// reclaimTerminal makes corral's process group the foreground group of
// tty again. corral is a background process of the terminal at that
// moment, and tcsetpgrp(3) from the background raises SIGTTOU, which
// would stop corral, unless SIGTTOU is ignored; it is ignored only here,
// not while the command starts, because an ignored signal stays ignored
// across exec(2) and the command must see the default.
func reclaimTerminal(tty *os.File) error {
	signal.Ignore(syscall.SIGTTOU)
	defer signal.Reset(syscall.SIGTTOU)
	return unix.IoctlSetPointerInt(int(tty.Fd()), unix.TIOCSPGRP, unix.Getpgrp())
}

// fileIsTerminal reports whether f is a terminal: TIOCGWINSZ fails with
// ENOTTY on anything else (tty_ioctl(4)).
func fileIsTerminal(f *os.File) bool {
	_, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	return err == nil
}
