package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

func main() {
	d := defaultDeps()
	code := runMain(context.Background(), d, os.Args[1:])
	if d.reraise != 0 {
		dieOf(d.reraise, code)
	}
	os.Exit(code)
}

// runMain runs corral with args and returns its exit code, having printed
// at most one line about an error on d.stderr. It never panics.
func runMain(ctx context.Context, d *deps, args []string) (code int) {
	defer func() {
		if r := recover(); r != nil {
			// A bug of ours: report it in one line, keep the stack for
			// --log-level debug readers, and fail.
			d.logger().Debug("corral: panic", "stack", string(debug.Stack()))
			fmt.Fprintf(d.stderr, "corral: internal error: %v\n", r)
			code = 1
		}
	}()
	root := newRootCommand(d)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil && !d.ran {
		// Anything cobra rejected before a command ran is bad usage,
		// whether or not it went through one of our validators.
		var usage *usageError
		if !errors.As(err, &usage) {
			err = &usageError{cmd: "corral", err: err}
		}
	}
	if line := errorLine(err); line != "" {
		fmt.Fprintln(d.stderr, strings.ReplaceAll(line, "\n", "; "))
	}
	return exitCode(err)
}

// exitCode is the one place that turns an error into corral's exit
// code: nil → 0, bad usage → 2, a carried exit status (the command's
// status, 128+N for a signal) → that status, anything else → 1.
func exitCode(err error) int {
	var (
		usage *usageError
		coded exitCoder
	)
	switch {
	case err == nil:
		return 0
	case errors.As(err, &usage):
		return 2
	case errors.As(err, &coded):
		// *exec.ExitError says -1 for a signal death it was not asked to
		// decode, and a status of 0 with an error makes no sense: both
		// are failures of unknown kind.
		if c := coded.ExitCode(); c > 0 && c < 256 {
			return c
		}
	}
	return 1
}

// newRootCommand builds the corral command tree around d.
func newRootCommand(d *deps) *cobra.Command {
	var level logLevel
	root := &cobra.Command{
		Use:           "corral",
		Short:         "Run developer processes under supervision: nothing escapes, nothing is left behind",
		SilenceUsage:  true,
		SilenceErrors: true,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErrorf("corral", "missing command")
			}
			msg := fmt.Sprintf("unknown command %q", args[0])
			if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
				msg += fmt.Sprintf(" (did you mean %q?)", s[0])
			}
			return usageErrorf("corral", "%s", msg)
		},
		RunE: func(*cobra.Command, []string) error { return nil }, // Args always refuses
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			d.setLogger(level.Level)
			return nil
		},
	}
	root.CompletionOptions.DisableDefaultCmd = true
	// cobra suggests nothing through SuggestionsFor until this is set
	// (its own default of 2 applies only to the errors it prints).
	root.SuggestionsMinimumDistance = 2
	root.Version = buildVersion()
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetIn(d.stdin)
	root.SetOut(d.stdout)
	root.SetErr(d.stderr)
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return &usageError{cmd: cmd.CommandPath(), err: err}
	})
	level.Level = defaultLogLevel
	root.PersistentFlags().Var(&level, "log-level", "log level on stderr: debug, info, warn or error")
	root.SetHelpCommand(newHelpCommand(root))
	root.AddCommand(
		newRunCommand(d),
		newPortCommand(d),
		newDoctorCommand(d),
		newReapCommand(d),
		newPsCommand(d),
		newEnvCommand(d),
		newVersionCommand(d),
	)
	return root
}

// noArgs refuses positional arguments as bad usage.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErrorf(cmd.CommandPath(), "unexpected argument %q", args[0])
	}
	return nil
}

// ranE wraps a command's logic so runMain knows that the command line was
// accepted: errors from here on are the command's, not usage errors.
func ranE(d *deps, fn func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		d.ran = true
		return fn(cmd, args)
	}
}

// newHelpCommand is `corral help [COMMAND]`: like cobra's own, but an
// unknown topic is bad usage (one line, exit 2) rather than a usage dump.
func newHelpCommand(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return nil
			}
			if c, rest, err := root.Find(args); err != nil || c == root || len(rest) > 0 {
				return usageErrorf("corral help", "unknown help topic %q", strings.Join(args, " "))
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			c := root
			if len(args) > 0 {
				c, _, _ = root.Find(args)
			}
			return c.Help()
		},
	}
}
