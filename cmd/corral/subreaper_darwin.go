package main

// loop is never started where the subreaper cannot be set.
func (r *orphanReaper) loop(int) { close(r.done) }
