package docker

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"

	"github.com/corralrun/corral/internal/envmerge"
	"github.com/corralrun/corral/internal/proc"
	"github.com/corralrun/corral/resources"
)

// lookupKey is one lookup: the binary and the PATH it was searched in.
type lookupKey struct{ bin, path, dir string }

// WithBinary checks, inside the running container, that bin is an
// executable file in the PATH processes would see (or, holding a '/', at
// that path). The error wraps proc.ErrBinaryNotFound; before Init it is
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

// lookup searches bin in the container through the engine's file stat
// (HEAD /containers/{id}/archive), which needs nothing from the image:
// each PATH directory at once, the first in PATH order that holds an
// executable file (symlinks followed) wins. "Executable" is any execute
// bit: the stat does not tell which user may run it. A binary found is
// remembered for the life of the container; a missing one is asked again
// next time.
func (d *DockerEnvironment) lookup(ctr *liveContainer, bin, dir string) error {
	if bin == "" {
		return fmt.Errorf("%w: empty name", proc.ErrBinaryNotFound)
	}
	d.mu.Lock()
	env := envmerge.Merge(ctr.env, [][]*resources.EnvironmentVariable{d.envs}, nil)
	d.mu.Unlock()
	pathVar, _ := envmerge.Lookup(env, "PATH")
	key := lookupKey{bin: bin, path: pathVar, dir: dir}
	if _, ok := ctr.found.Load(key); ok {
		return nil
	}
	var candidates []string
	if strings.Contains(bin, "/") {
		p := bin
		if !path.IsAbs(p) {
			p = path.Join(dirOrRoot(dir), p)
		}
		candidates = []string{p}
	} else {
		for _, dd := range filepath.SplitList(pathVar) {
			if dd == "" {
				dd = dirOrRoot(dir)
			}
			candidates = append(candidates, path.Join(dd, bin))
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), walkTimeout)
	defer cancel()
	ok := make([]bool, len(candidates))
	errs := make([]error, len(candidates))
	var wg sync.WaitGroup
	for i, c := range candidates {
		wg.Go(func() { ok[i], errs[i] = d.eng.isExecutable(ctx, ctr.id, c) })
	}
	wg.Wait()
	for i := range candidates {
		if ok[i] {
			ctr.found.Store(key, struct{}{})
			return nil
		}
		if errs[i] != nil {
			return errs[i]
		}
	}
	return fmt.Errorf("%w: %q in container %s (PATH=%s)", proc.ErrBinaryNotFound, bin, d.ContainerName(), pathVar)
}

func dirOrRoot(dir string) string {
	if dir == "" {
		return "/"
	}
	return dir
}

// isExecutable stats p in the container, following up to 8 symlinks,
// and reports whether it is a regular file with an execute bit. A path
// that does not exist is (false, nil); an engine error is returned.
func (e *engine) isExecutable(ctx context.Context, ctrID, p string) (bool, error) {
	for range 8 {
		res, err := e.api.ContainerStatPath(ctx, ctrID, client.ContainerStatPathOptions{Path: p})
		if cerrdefs.IsNotFound(err) {
			return false, nil
		}
		if err != nil {
			return false, e.apiError("stat "+p, err)
		}
		st := res.Stat
		if st.Mode&os.ModeSymlink == 0 {
			return st.Mode.IsRegular() && st.Mode&0o111 != 0, nil
		}
		if st.LinkTarget == "" {
			return false, nil
		}
		next := st.LinkTarget
		if !path.IsAbs(next) {
			next = path.Join(path.Dir(p), next)
		}
		if next == p {
			return false, nil
		}
		p = next
	}
	return false, nil
}
