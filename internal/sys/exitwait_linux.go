package sys

import (
	"errors"

	"golang.org/x/sys/unix"
)

// WaitAllExited blocks until every one of pins has exited, or until wake
// (an eventfd or a pipe's read end) becomes readable; it reports whether
// they all exited. A pidfd polls readable once its process has exited,
// so the wait costs no walk of /proc. Pins without a pidfd cannot be
// waited on: it returns false at once.
func WaitAllExited(pins []Pin, wake int) bool {
	fds := make([]unix.PollFd, 0, len(pins)+1)
	fds = append(fds, unix.PollFd{Fd: int32(wake), Events: unix.POLLIN})
	for _, p := range pins {
		if !p.Pinned() {
			return false
		}
		fds = append(fds, unix.PollFd{Fd: int32(p.fd), Events: unix.POLLIN})
	}
	for len(fds) > 1 {
		_, err := unix.Poll(fds, -1)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil || fds[0].Revents != 0 {
			return false
		}
		live := fds[:1]
		for _, f := range fds[1:] {
			if f.Revents == 0 {
				f.Revents = 0
				live = append(live, f)
			}
		}
		fds = live
	}
	return true
}
