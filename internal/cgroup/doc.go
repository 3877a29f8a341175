// Package cgroup holds the cgroup v2 primitives corral contains trees
// with: finding the hierarchy and a writable place in it (the probe),
// creating and marking a tree's cgroup, listing, signalling and killing
// its members, knowing when it is empty, and removing it.
//
// A tree's cgroup carries its tree id in the user.corral.tree xattr
// (Linux 5.7+), which is what lets a reaper trust a record naming it.
// Signals to members go through sys.SignalVerified: each member is pinned
// with a pidfd and its membership checked after the pin.
//
// On darwin every function reports errors.ErrUnsupported or false: there
// are no cgroups, and no record naming one can come from that machine.
package cgroup
