// Package sys holds the OS actions supervision is built from: a signal
// that reaches a process only after it was pinned and proved ours, a wait
// for a child's exit that leaves it unreaped, and the child subreaper.
//
// It decides nothing: whether a process is ours is the caller's check,
// passed in as a function and run after the pin.
package sys
