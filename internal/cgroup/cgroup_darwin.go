package cgroup

import (
	"errors"
	"syscall"
)

// ProbePrefix starts the name of a probe's test cgroup.
const ProbePrefix = "probe."

// ProbeResult is where trees can be contained, or why they cannot.
type ProbeResult struct{ Where, Reason string }

// Probe: darwin has no cgroups.
func Probe(string) ProbeResult {
	return ProbeResult{Reason: "darwin has no cgroups: descendants that leave the process group are not contained"}
}

func Mount() string                                           { return "" }
func Create(string) (int, error)                              { return -1, errors.ErrUnsupported }
func Procs(string) ([]int, error)                             { return nil, errors.ErrUnsupported }
func Contains(string, int) bool                               { return false }
func Signal(string, ...syscall.Signal) error                  { return errors.ErrUnsupported }
func SignalOutsideGroup(string, int, ...syscall.Signal) error { return errors.ErrUnsupported }
func Kill(string) error                                       { return errors.ErrUnsupported }
func Empty(string) (bool, error)                              { return false, errors.ErrUnsupported }
func Remove(string) error                                     { return errors.ErrUnsupported }
func RemoveIfEmpty(string) bool                               { return false }
func IsCgroup2Dir(string) bool                                { return false }
func Mark(string) error                                       { return errors.ErrUnsupported }
func IsUnmarkedEmpty(string) bool                             { return false }
func IsUnmarked(string) bool                                  { return false }
func IsTree(string, string, string) bool                      { return false }

// Watch: there are no cgroups to watch on darwin.
func Watch(string) (<-chan struct{}, func(), error) { return nil, nil, errors.ErrUnsupported }
