package records

import "time"

// Action is what a reaper does with one valid record.
type Action int

const (
	// Keep: the owner is alive.
	Keep Action = iota
	// Forget: a tree of another boot; only the record is left.
	Forget
	// Stop: the owner is dead; stop what is left, then forget.
	Stop
	// Foreign: the owner is in another PID namespace; never signal,
	// forget once the tree is gone and the record is ForeignGoneAge old.
	Foreign
)

// ForeignGoneAge is how old a record of another PID namespace must be
// before a reaper forgets it for its tree being gone: younger, its owner
// may be between writing it and starting the tree.
const ForeignGoneAge = time.Minute

// Decide is the reaper's whole policy for a valid record. boot and ns are
// the reaper's: an owner recorded in another PID namespace cannot be
// judged from here (its PID names another process, or none).
func Decide(r *Record, boot string, ns uint64, ownerAlive bool) Action {
	switch {
	case r.Boot != boot:
		return Forget
	case r.OwnerNS != ns:
		return Foreign
	case ownerAlive:
		return Keep
	}
	return Stop
}
