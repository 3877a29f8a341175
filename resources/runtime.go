package resources

// RuntimeKind says where a service's processes run.
type RuntimeKind string

// The runtime kinds.
const (
	RuntimeNative    RuntimeKind = "native"
	RuntimeContainer RuntimeKind = "container"
	RuntimeNix       RuntimeKind = "nix"
	RuntimeFree      RuntimeKind = "free"
)

// RuntimeContext names where a service wants to run.
type RuntimeContext struct {
	Kind RuntimeKind
	Name string
}

// Runtime is a tool a service needs on the host: Name is the command
// (go, python, node, npm, nix, docker, rustc, cargo, …) and MinVersion,
// when not empty, the lowest acceptable version ("1.22", "3.10.4"; how
// versions compare, prereleases included, is base.CheckForRuntimes's).
type Runtime struct {
	Name       string
	MinVersion string
}
