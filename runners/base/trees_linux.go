package base

import (
	"context"
	"os"
	"time"

	"github.com/corralrun/corral/internal/procfs"
)

// treeSnapshot is one walk of every process, from which a listing reads
// the figures of all its trees: a listing of 50 trees costs one walk, not
// two per tree.
type treeSnapshot struct {
	procs  map[int]procfs.Stat
	uptime time.Duration
}

func newTreeSnapshot(ctx context.Context) *treeSnapshot {
	procs, err := procfs.Scan(ctx)
	if err != nil {
		return &treeSnapshot{}
	}
	uptime, _ := procfs.Uptime()
	return &treeSnapshot{procs: procs, uptime: uptime}
}

// figures are the state of leader and the CPU (percent of one core since
// leader started: utime+stime) and resident memory of the tree's members,
// as of the walk. A member gone since it was listed counts nothing.
func (s *treeSnapshot) figures(ctx context.Context, leader int, members []int) (ProcessState, float64, uint64) {
	if s.procs == nil {
		return trackedFigures(ctx, leader)
	}
	ls, ok := s.procs[leader]
	if !ok {
		return NotFound, 0, 0
	}
	var ticks, pages uint64
	for _, pid := range members {
		if st, ok := s.procs[pid]; ok {
			ticks += st.CPUTicks()
			pages += st.RSSPages
		}
	}
	started := time.Duration(ls.StartTime) * (time.Second / procfs.ClockTicksPerSecond)
	return stateFromProcCode(ls.State), usagePercent(float64(ticks), procfs.ClockTicksPerSecond, s.uptime-started), pages * uint64(os.Getpagesize())
}

// trackedFigures asks a TrackedProcess, when no walk could be made.
func trackedFigures(ctx context.Context, leader int) (ProcessState, float64, uint64) {
	tp := &TrackedProcess{PID: leader}
	state, _ := tp.GetState(ctx)
	var cpu float64
	var mem uint64
	if c, err := tp.GetCPU(ctx); err == nil {
		cpu = c.Usage
	}
	if m, err := tp.GetMemory(ctx); err == nil {
		mem = m.Used
	}
	return state, cpu, mem
}
