package base

import (
	"context"

	"github.com/corralrun/corral/internal/nixshell"
)

// NixProbe is what ProbeNix found out about nix on this host.
type NixProbe struct {
	// Path is the nix binary found in PATH, "" when there is none.
	Path string
	// Version is nix's version ("2.8.0"), "" when it could not be read.
	Version string
	// VersionErr says why the version could not be read.
	VersionErr error
	// FlakesErr is nil when nix-command and flakes are enabled, else an
	// error that says which setting to add.
	FlakesErr error
}

// Usable reports whether the Nix backend can run here.
func (p NixProbe) Usable() bool { return p.Path != "" && p.VersionErr == nil && p.FlakesErr == nil }

// ProbeNix finds nix, reads its version and checks that flakes are
// enabled, running nix twice. It is what `corral doctor` reports.
func ProbeNix(ctx context.Context) NixProbe {
	tool, err := nixshell.Find()
	if err != nil {
		return NixProbe{}
	}
	p := NixProbe{Path: tool.Path}
	p.Version, p.VersionErr = tool.Version(ctx)
	if p.VersionErr == nil {
		p.FlakesErr = tool.CheckFlakes(ctx)
	}
	return p
}
