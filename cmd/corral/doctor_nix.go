package main

import (
	"fmt"

	"github.com/corralrun/corral/runners/base"
)

// nixBackendLine is doctor's row for the Nix backend: found or not, the
// version, whether flakes are enabled, and how to fix what is missing.
func nixBackendLine(p base.NixProbe, installCommand func() string) string {
	switch {
	case p.Path == "":
		return fmt.Sprintf("nix\tmissing\tnix is not installed; install it with: %s", installCommand())
	case p.VersionErr != nil:
		return fmt.Sprintf("nix\tbroken\t%s does not run (%v); reinstall it with: %s", p.Path, p.VersionErr, installCommand())
	case p.FlakesErr != nil:
		return fmt.Sprintf("nix\tunusable\tnix %s at %s, but %v", p.Version, p.Path, p.FlakesErr)
	}
	return fmt.Sprintf("nix\tusable\tnix %s at %s, flakes enabled; runs commands in a flake's dev shell", p.Version, p.Path)
}
