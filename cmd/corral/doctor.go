package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/corralrun/corral/runners/base"
	"github.com/corralrun/corral/runners/docker"
	"github.com/spf13/cobra"
)

// doctorRuntimes are the runtimes doctor looks for, in the order shown.
var doctorRuntimes = []string{"go", "python3", "node", "nix", "docker"}

// doctorDeps is what doctor observes of the host; tests replace it.
type doctorDeps struct {
	nix               func(ctx context.Context) base.NixProbe
	nixInstallCommand func() string
	runtime           func(ctx context.Context, name string) runtimeInfo
	containment       func() base.Containment
	getenv            func(key string) string
	userHomeDir       func() (string, error)
	dockerEngine      func(ctx context.Context) (*docker.EngineInfo, error)
}

func defaultDoctorDeps() doctorDeps {
	return doctorDeps{
		nix:               base.ProbeNix,
		nixInstallCommand: base.NixInstallCommand,
		runtime:           lookupRuntime,
		containment:       base.DetectContainment,
		getenv:            os.Getenv,
		userHomeDir:       os.UserHomeDir,
		dockerEngine:      docker.Engine,
	}
}

type doctorOptions struct{}

func newDoctorCommand(d *deps) *cobra.Command {
	opts := &doctorOptions{}
	return &cobra.Command{
		Use:   "doctor",
		Short: "Show which backends and runtimes are usable here, and the containment in force",
		Args:  noArgs,
		RunE: ranE(d, func(cmd *cobra.Command, _ []string) error {
			return runDoctor(cmd.Context(), d, opts)
		}),
	}
}

// runDoctor prints its findings and succeeds whatever they are: a
// missing runtime is information, not a failure of doctor. It does not
// reap first: it only observes.
func runDoctor(ctx context.Context, d *deps, _ *doctorOptions) error {
	dd := d.doctor
	tw := tabwriter.NewWriter(d.stdout, 0, 0, 2, ' ', 0)
	writeBackends(ctx, tw, dd, dd.nix(ctx))
	fmt.Fprintln(tw)
	runtimes := make([]runtimeInfo, 0, len(doctorRuntimes))
	for _, name := range doctorRuntimes {
		runtimes = append(runtimes, dd.runtime(ctx, name))
	}
	writeRuntimes(tw, runtimes)
	fmt.Fprintln(tw)
	writeContainment(tw, dd.containment(), corralHome(dd.getenv, dd.userHomeDir))
	return tw.Flush()
}

func writeBackends(ctx context.Context, w io.Writer, dd doctorDeps, nix base.NixProbe) {
	fmt.Fprintln(w, "BACKEND\tSTATUS\tDETAIL")
	fmt.Fprintln(w, "native\tusable\truns commands on this host")
	fmt.Fprintln(w, nixBackendLine(nix, dd.nixInstallCommand))
	writeDockerBackend(ctx, w, dd.dockerEngine)
}

func writeRuntimes(w io.Writer, runtimes []runtimeInfo) {
	fmt.Fprintln(w, "RUNTIME\tVERSION\tPATH")
	for _, r := range runtimes {
		switch {
		case r.path == "":
			fmt.Fprintf(w, "%s\t-\tnot found in PATH\n", r.name)
		case r.err != nil:
			fmt.Fprintf(w, "%s\t?\t%s (version unreadable: %v)\n", r.name, r.path, r.err)
		default:
			fmt.Fprintf(w, "%s\t%s\t%s\n", r.name, r.version, r.path)
		}
	}
}

func writeContainment(w io.Writer, c base.Containment, home string) {
	fmt.Fprintf(w, "CONTAINMENT\t%s\n", c.Kind)
	if c.Where != "" {
		fmt.Fprintf(w, "WHERE\t%s\n", c.Where)
	}
	fmt.Fprintf(w, "WHY\t%s\n", c.Reason)
	fmt.Fprintf(w, "CORRAL HOME\t%s\n", home)
}

// corralHome is where corral keeps its records: $CORRAL_HOME, else
// ~/.corral, as the library resolves it.
func corralHome(getenv func(string) string, userHomeDir func() (string, error)) string {
	if h := getenv("CORRAL_HOME"); h != "" {
		if abs, err := filepath.Abs(h); err == nil {
			return abs
		}
		return h
	}
	home, err := userHomeDir()
	if err != nil {
		return fmt.Sprintf("unknown (%v; set CORRAL_HOME)", err)
	}
	return filepath.Join(home, ".corral")
}
