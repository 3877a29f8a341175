package docker

import (
	"context"
	"fmt"
	"strings"

	"github.com/corralrun/corral/internal/envmerge"
	"github.com/corralrun/corral/resources"
	"github.com/corralrun/corral/runners/base"
)

// lookupScript exits 0 when $1 is an executable file: searched in PATH
// unless it holds a '/', a relative path taken from $2. sh builtins only.
const lookupScript = `cd "$2" 2>/dev/null
case $1 in
*/*) [ -f "$1" ] && [ -x "$1" ]; exit ;;
esac
IFS=:
for d in $PATH; do
	[ -f "${d:-.}/$1" ] && [ -x "${d:-.}/$1" ] && exit 0
done
exit 1`

// lookupKey is one lookup: the binary and the PATH it was searched in.
type lookupKey struct{ bin, path, dir string }

// WithBinary checks, inside the running container, that bin is an
// executable file in the PATH processes would see (or, holding a '/', at
// that path). The error wraps base.ErrBinaryNotFound; before Init it is
// ErrNotInitialized.
func (d *DockerEnvironment) WithBinary(bin string) error {
	d.mu.Lock()
	ctr := d.ctr
	d.mu.Unlock()
	if ctr == nil {
		return ErrNotInitialized
	}
	return d.lookup(ctr, bin, ctr.workDir)
}

// lookup runs lookupScript through one exec, with the PATH the
// environment's variables leave; a found binary is remembered for the
// life of the container, a missing one is asked again next time.
func (d *DockerEnvironment) lookup(ctr *liveContainer, bin, dir string) error {
	if bin == "" {
		return fmt.Errorf("%w: empty name", base.ErrBinaryNotFound)
	}
	d.mu.Lock()
	env := envmerge.Merge(ctr.env, [][]*resources.EnvironmentVariable{d.envs}, nil)
	d.mu.Unlock()
	path, _ := envmerge.Lookup(env, "PATH")
	key := lookupKey{bin: bin, path: path, dir: dir}
	if _, ok := ctr.found.Load(key); ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), walkTimeout)
	defer cancel()
	_, stderr, code, err := d.eng.quickExec(ctx, ctr.id, "", []string{"PATH=" + path}, "/bin/sh", "-c", lookupScript, "corral-lookup", bin, dir)
	switch {
	case err != nil:
		return d.eng.apiError("look up "+bin, err)
	case code == 0:
		ctr.found.Store(key, struct{}{})
		return nil
	case code == 126 || code == 127:
		return fmt.Errorf("%w (exit status %d: %s)", ErrNoShell, code, strings.TrimSpace(string(stderr)))
	}
	return fmt.Errorf("%w: %q in container %s (PATH=%s)", base.ErrBinaryNotFound, bin, d.ContainerName(), path)
}
