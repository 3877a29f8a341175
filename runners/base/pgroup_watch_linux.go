package base

import (
	"sync"
	"sync/atomic"

	"github.com/corralrun/corral/internal/sys"
	"golang.org/x/sys/unix"
)

// watch tells the stop sequence when the tree's members may all be gone,
// without walking /proc in a loop: it walks once, pins the members it
// found with pidfds, waits for every one of them to exit (a pidfd polls
// readable at exit), says so, and walks again for members forked
// meanwhile. A PID recycled between the walk and the pin only delays the
// value: the sequence still looks for itself on its safety tick.
func (t *pgroupTree) watch() (<-chan struct{}, func(), error) {
	wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return nil, nil, err
	}
	ch := make(chan struct{}, 1)
	var stopped atomic.Bool
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(ch)
		for !stopped.Load() {
			pids, _ := treeMembers(t.pgid, t.pgid, t.id, t.start)
			pins := make([]sys.Pin, 0, len(pids))
			for _, pid := range pids {
				if p, err := sys.PinProcess(pid); err == nil {
					pins = append(pins, p)
				}
			}
			all := sys.WaitAllExited(pins, wake)
			for _, p := range pins {
				p.Close()
			}
			if !all {
				return // woken to stop, or no pidfds: the sequence polls
			}
			select {
			case ch <- struct{}{}:
			default:
			}
			if len(pins) == 0 {
				sys.WaitAllExited(nil, wake) // nothing left: wait for stop
				return
			}
		}
	})
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			stopped.Store(true)
			unix.Write(wake, []byte{1, 0, 0, 0, 0, 0, 0, 0})
			wg.Wait()
			unix.Close(wake)
		})
	}, nil
}
