package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// newVersionCommand is `corral version`, the same line as `corral
// --version`.
func newVersionCommand(d *deps) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print corral's module version and VCS revision",
		Args:  noArgs,
		RunE: ranE(d, func(*cobra.Command, []string) error {
			_, err := fmt.Fprintln(d.stdout, buildVersion())
			return err
		}),
	}
}

// buildVersion describes the running binary from its build information.
func buildVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		info = nil
	}
	return versionLine(info)
}

// versionLine is "corral VERSION, revision REV" from info: the main
// module's version ("(devel)" for a build from a checkout, which Go does
// not stamp), and the VCS revision with "(modified)" when the tree was
// dirty. Go records no revision under -buildvcs=false or outside a
// repository: the line says "unknown revision" then; a nil info (a binary
// without build information) says both are unknown.
func versionLine(info *debug.BuildInfo) string {
	version, revision, modified := "(unknown version)", "", false
	if info != nil {
		if v := info.Main.Version; v != "" {
			version = v
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if revision == "" {
		return fmt.Sprintf("corral %s, unknown revision", version)
	}
	if modified {
		revision += " (modified)"
	}
	return fmt.Sprintf("corral %s, revision %s", version, revision)
}
