package main

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"syscall"

	"github.com/corralrun/corral/runners/base"
)

// The shell's statuses for a command that could not be run.
const (
	exitCannotExecute = 126 // it exists but cannot be executed
	exitNotFound      = 127 // it is not there
)

// execStatus gives a command that could not be started the status a
// shell gives it: 126 when the file exists but cannot be executed (no
// execute bit, a directory, a script whose interpreter is missing), 127
// when it cannot be found. Other errors pass through.
func execStatus(err error) error {
	var pe *fs.PathError
	switch {
	case errors.Is(err, base.ErrBinaryNotFound) && errors.Is(err, fs.ErrPermission) && errors.As(err, &pe):
		return &statusError{code: exitCannotExecute, err: fmt.Errorf("cannot execute %s: %w", pe.Path, pe.Err)}
	case errors.Is(err, base.ErrBinaryNotFound):
		return &statusError{code: exitNotFound, err: err}
	case !errors.As(err, &pe) || pe.Op != "fork/exec":
		return err
	case errors.Is(pe.Err, syscall.ENOENT):
		// execve(2) says ENOENT for a file that exists when "an
		// interpreter of a script ... could not be found".
		if interp, ok := interpreter(pe.Path); ok {
			return &statusError{code: exitCannotExecute, err: fmt.Errorf("cannot execute %s: bad interpreter %s: %w", pe.Path, interp, pe.Err)}
		}
	case errors.Is(pe.Err, syscall.EACCES), errors.Is(pe.Err, syscall.ENOEXEC):
		return &statusError{code: exitCannotExecute, err: fmt.Errorf("cannot execute %s: %w", pe.Path, pe.Err)}
	}
	return err
}

// interpreter returns the interpreter the #! line of the script at path
// names, false when path has no such line.
func interpreter(path string) (string, bool) {
	f, err := os.Open(path)
	if err != nil {
		return "", false
	}
	defer f.Close()
	// The kernel reads at most a page-sized line (BINPRM_BUF_SIZE in
	// fs/binfmt_script.c is smaller still).
	line, err := bufio.NewReaderSize(f, 4096).ReadString('\n')
	if err != nil && line == "" {
		return "", false
	}
	rest, ok := strings.CutPrefix(line, "#!")
	if !ok {
		return "", false
	}
	fields := strings.Fields(rest)
	if len(fields) == 0 {
		return "", false
	}
	return fields[0], true
}

// withShell returns cfg running its command through /bin/sh, as execvp(3)
// does for a file the kernel refused with ENOEXEC (an executable text
// file without #!), or nil when err is not that refusal.
func withShell(cfg *runConfig, err error) *runConfig {
	var pe *fs.PathError
	if !errors.As(err, &pe) || pe.Op != "fork/exec" || !errors.Is(pe.Err, syscall.ENOEXEC) {
		return nil
	}
	sh := *cfg
	sh.command = append([]string{"/bin/sh", pe.Path}, cfg.command[1:]...)
	return &sh
}
