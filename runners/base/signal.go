package base

import "errors"

// errNotOurs is returned when a process fails the ownership check made
// after it was pinned: it is left alone.
var errNotOurs = errors.New("process is not ours")
