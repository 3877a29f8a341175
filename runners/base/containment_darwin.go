package base

import (
	"errors"
	"syscall"
)

// probeContainment: darwin has no cgroups; trees are process groups.
func probeContainment() Containment {
	return Containment{Kind: containPgroup, Reason: "darwin has no cgroups: descendants that leave the process group are not contained"}
}

// newTree returns the containment for tree id, not yet created.
func newTree(_ Containment, _, id string) tree { return newPgroupTree(id) }

// cgroup operations have nothing to act on on darwin; records naming a
// cgroup cannot come from this machine.
func isCgroup2Dir(string) bool                  { return false }
func isUnmarkedEmptyCgroup(string) bool         { return false }
func isTreeCgroup(string, string) bool          { return false }
func cgroupSignal(string, syscall.Signal) error { return errors.ErrUnsupported }
func cgroupKill(string) error                   { return errors.ErrUnsupported }
func cgroupEmpty(string) (bool, error)          { return false, errors.ErrUnsupported }
func cgroupRemove(string) error                 { return errors.ErrUnsupported }

const cgroupDirName = "corral"

func cgroupProcs(string) ([]int, error) { return nil, errors.ErrUnsupported }
