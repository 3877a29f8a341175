package cgroup

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"

	"golang.org/x/sys/unix"
)

// Watch tells when the cgroup at path may have changed state: a value
// arrives on the channel after each change of its cgroup.events (the
// kernel notifies pollers of that file when "populated" or "frozen"
// flips), so a caller waiting for the cgroup to empty wakes on the event
// instead of polling. Values coalesce: one pending value stands for any
// number of changes. The channel is closed when the watch ends. stop ends
// the watch and returns once its goroutine has ended; it may be called
// more than once.
//
// It polls the open file for POLLPRI rather than using inotify: closing an
// inotify instance waits for the kernel's SRCU grace period, some 10 ms,
// which would cost every stopped tree more than the poll it saves.
func Watch(path string) (changed <-chan struct{}, stop func(), err error) {
	events, err := unix.Open(filepath.Join(path, "cgroup.events"), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("watch cgroup %s: %w", path, err)
	}
	wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Close(events)
		return nil, nil, fmt.Errorf("watch cgroup %s: %w", path, err)
	}
	buf := make([]byte, 128)
	unix.Pread(events, buf, 0) // a read arms the next notification
	ch := make(chan struct{}, 1)
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(ch)
		fds := []unix.PollFd{{Fd: int32(events), Events: unix.POLLPRI}, {Fd: int32(wake), Events: unix.POLLIN}}
		for {
			_, err := unix.Poll(fds, -1)
			switch {
			case errors.Is(err, unix.EINTR):
				continue
			case err != nil, fds[1].Revents != 0:
				return
			case fds[0].Revents&(unix.POLLPRI|unix.POLLERR) != 0:
				if _, err := unix.Pread(events, buf, 0); err != nil {
					return // the cgroup is gone
				}
				select {
				case ch <- struct{}{}:
				default:
				}
			}
		}
	})
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			unix.Write(wake, []byte{1, 0, 0, 0, 0, 0, 0, 0})
			wg.Wait()
			unix.Close(wake)
			unix.Close(events)
		})
		wg.Wait()
	}, nil
}
