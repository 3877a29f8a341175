package base

import "context"

// treeSnapshot is empty on darwin, where each tree asks for itself.
type treeSnapshot struct{}

func newTreeSnapshot(context.Context) *treeSnapshot { return &treeSnapshot{} }

// figures are what darwin can tell of leader: its existence.
func (*treeSnapshot) figures(ctx context.Context, leader int, _ []int) (ProcessState, float64, uint64) {
	tp := &TrackedProcess{PID: leader}
	state, _ := tp.GetState(ctx)
	return state, 0, 0
}
