package base

import "github.com/corralrun/corral/internal/proc"

// RunnerEnvironment controls where processes run: the host (Native), a Nix
// dev shell, or a container. Implementations are safe for concurrent use.
// It is internal/proc's, so that every backend implements the same one.
type RunnerEnvironment = proc.RunnerEnvironment

// Proc is one supervised process tree. Configure it, then Start or Run it
// once; a Proc cannot be reused. Start, Run, Wait, Stop and IsRunning are
// safe for concurrent use; configuration methods must be called before
// Start. It is internal/proc's, so that every backend implements the same
// one.
type Proc = proc.Proc

// Settings are the settings every environment takes for the processes it
// creates from then on (WithGracePeriod, WithStopSignal,
// WithMaxLineLength, WithLogger); NativeEnvironment embeds them, and so
// do the other backends' environments.
type Settings = proc.Settings
