// Package records is what lets a tree outlive its supervisor safely:
// process identities that survive PID reuse, tree ids, the durable record
// of each tree, the store that keeps records on disk, and the reaper's
// decision about a record.
//
// An Identity is a PID with its start time: a PID is recycled, the pair
// on one boot is not. A tree id names its owner's identity and a sequence
// number, so a record cannot claim another owner's tree.
//
// The store is $CORRAL_HOME/runs (default ~/.corral/runs; CORRAL_HOME is
// read at every use): a directory 0700, one file 0600 per tree, written
// atomically (internal/atomicfile), serialised across reapers by a lock
// on runs/.lock. A record file that is not a plain, small, well-formed
// record of this user is reported as a *SetAsideError and never trusted.
//
// Every function is safe for concurrent use.
package records
