package base

import (
	"context"
	"sync"
	"time"
)

// CPU is one sample of the processor time a process tree used.
type CPU struct {
	// Timestamp is when the sample was taken.
	Timestamp time.Time
	// Usage is the processor time used over the sample's window, in
	// percent of one core: 100 is one core busy, 250 two and a half.
	Usage float64
}

// Memory is one sample of the memory a process tree holds.
type Memory struct {
	// Timestamp is when the sample was taken.
	Timestamp time.Time
	// Used is the resident set size, in bytes.
	Used uint64
}

// Event is what is known of a running service at one moment. Fields that
// were not measured are zero: nil CPU or Memory, Unknown State.
type Event struct {
	// Err is the error met while observing the service, if any.
	Err error
	// State is the state of the service's process.
	State ProcessState
	// CPU is the processor usage, or nil.
	CPU *CPU
	// Memory is the resident memory, or nil.
	Memory *Memory
}

// Tracked is something whose state and resource usage can be sampled.
type Tracked interface {
	GetState(ctx context.Context) (ProcessState, error)
	GetCPU(ctx context.Context) (*CPU, error)
	GetMemory(ctx context.Context) (*Memory, error)
}

var _ Tracked = (*TrackedProcess)(nil)

// TrackedProcess samples a process, by PID, and every process below it
// (children, grandchildren, ...) at the moment of the sample. It reads
// /proc directly on Linux; on other platforms it returns errors wrapping
// errors.ErrUnsupported.
//
// Set PID before the first call and do not change it afterwards. A
// TrackedProcess must not be copied after first use. Its methods are safe
// for concurrent use.
type TrackedProcess struct {
	// PID is the process at the top of the tracked tree.
	PID int

	mu   sync.Mutex // guards last
	last cpuSample  // the previous GetCPU sample; zero before the first
}

// cpuSample is the processor time a tree had used at one moment.
type cpuSample struct {
	at time.Time // when it was taken; zero: no sample yet
	// leaderStart is the leader's start time (clock ticks after boot): a
	// different value means the PID now names another process.
	leaderStart uint64
	ticks       uint64 // processor time of the tree, in clock ticks
}

// GetState returns the state of the process PID (not of its tree). A PID
// that no process has gives NotFound and a nil error.
func (p *TrackedProcess) GetState(ctx context.Context) (ProcessState, error) {
	return p.state(ctx)
}

// GetCPU returns the processor usage of the tree under PID, in percent of
// one core, since the previous GetCPU call on p or, for the first call (or
// when the PID has been reused since), since the process PID started.
// A PID that no process has gives an error wrapping os.ErrNotExist.
func (p *TrackedProcess) GetCPU(ctx context.Context) (*CPU, error) {
	return p.cpu(ctx)
}

// GetMemory returns the resident memory of the tree under PID: the sum of
// the resident set sizes of its processes, so pages they share (after
// fork, shared libraries) count once per process. A PID that no process
// has gives an error wrapping os.ErrNotExist.
func (p *TrackedProcess) GetMemory(ctx context.Context) (*Memory, error) {
	return p.memory(ctx)
}

// usagePercent is the processor usage, in percent of one core, of ticks
// clock ticks of processor time over a window of elapsed wall time. An
// empty window gives 0.
func usagePercent(ticks float64, hz float64, elapsed time.Duration) float64 {
	if elapsed <= 0 || ticks <= 0 {
		return 0
	}
	return 100 * (ticks / hz) / elapsed.Seconds()
}
