// Package dockertest holds what the tests of the Docker backend and of
// the CLI share: the busybox test image, built through the Engine API,
// and the skip-or-fail rule for a missing engine. It is for tests only.
package dockertest

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"testing"

	"github.com/moby/moby/client"
)

// Image is the test image: busybox-static FROM scratch, every applet
// installed as a symlink in /bin, no entrypoint and no command.
const Image = "corral-test/busybox:1"

// SkipOrFail skips the test, or fails it under CI=true, where no
// integration suite may skip.
func SkipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true: %s", msg)
	}
	t.Skip(msg)
}

// EnsureImage builds Image on the engine unless it is there: FROM
// scratch, COPY the host's /bin/busybox (Debian's busybox-static),
// `busybox --install -s /bin`.
func EnsureImage(ctx context.Context, api *client.Client) error {
	if _, err := api.ImageInspect(ctx, Image); err == nil {
		return nil
	}
	bb, err := os.ReadFile("/bin/busybox")
	if err != nil {
		return fmt.Errorf("%w (install busybox-static)", err)
	}
	dockerfile := "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n"
	return Build(ctx, api, Image, dockerfile, map[string][]byte{"busybox": bb})
}

// Build builds tag from a Dockerfile and the files of its context.
func Build(ctx context.Context, api *client.Client, tag, dockerfile string, files map[string][]byte) error {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	all := map[string][]byte{"Dockerfile": []byte(dockerfile)}
	for k, v := range files {
		all[k] = v
	}
	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		body := all[name]
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(body))}); err != nil {
			return err
		}
		if _, err := tw.Write(body); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	res, err := api.ImageBuild(ctx, &buf, client.ImageBuildOptions{Tags: []string{tag}, Remove: true, ForceRemove: true})
	if err != nil {
		return err
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	if bytes.Contains(out, []byte(`"errorDetail"`)) {
		return fmt.Errorf("build %s failed: %s", tag, out)
	}
	if _, err := api.ImageInspect(ctx, tag); err != nil {
		return fmt.Errorf("built %s, but the engine does not find it: %v: %s", tag, err, out)
	}
	return nil
}
