package companion_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/corralrun/corral/resources"
	"github.com/corralrun/corral/runners/base"
	"github.com/corralrun/corral/runners/companion"
	"github.com/corralrun/corral/runners/docker"
)

// Choose automatically: a container when an image is given and an engine
// answers, else the project's Nix dev shell, else the host. Here, in a
// directory with no flake.nix and with no image, the host.
func ExampleNewCompanionRunner() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "project")
	defer os.RemoveAll(dir)
	r, err := companion.NewCompanionRunner(ctx, companion.CompanionOpts{
		Name:      "example",
		SourceDir: dir,
		Logger:    slog.New(slog.DiscardHandler),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Shutdown(ctx)
	fmt.Println("backend:", r.Backend()) // r.Reason() says why, naming dir
	if err := r.Init(ctx); err != nil {
		fmt.Println(err)
		return
	}
	p, err := r.NewProcess("echo", "hello from", r.Backend())
	if err != nil {
		fmt.Println(err)
		return
	}
	p.WithOutput(os.Stdout)
	if err := p.Run(ctx); err != nil {
		fmt.Println(err)
	}
	// Output:
	// backend: native
	// hello from native
}

// Run a command natively, in a work directory of the project, with an
// environment variable.
func ExampleNewCompanionRunner_native() {
	ctx := context.Background()
	r, err := companion.NewCompanionRunner(ctx, companion.CompanionOpts{
		SourceDir:        "/",
		PreferredBackend: companion.Native,
		Logger:           slog.New(slog.DiscardHandler),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Shutdown(ctx)
	r.WithWorkDir("tmp") // relative to SourceDir: /tmp
	r.WithEnvironmentVariables(ctx, resources.Env("GREETING", "hi"))
	r.WithGracePeriod(2 * time.Second)
	p, err := r.NewProcess("sh", "-c", `echo "$GREETING from $(pwd)"`)
	if err != nil {
		fmt.Println(err)
		return
	}
	p.WithOutput(os.Stdout)
	if err := p.Run(ctx); err != nil {
		fmt.Println(err)
	}
	// Output:
	// hi from /tmp
}

// Run a command in a flake's Nix dev shell. Init materialises the shell
// once, cached under $CORRAL_HOME/nix, so that the next run runs no nix.
// (Not run by go test: it needs nix with flakes enabled; TestProcContract
// and TestNixCompanionCaches run the same path.)
func ExampleNewCompanionRunner_nix() {
	ctx := context.Background()
	r, err := companion.NewCompanionRunner(ctx, companion.CompanionOpts{
		SourceDir:        "../../testdata/nix/vars", // holds flake.nix
		PreferredBackend: companion.Nix,
	})
	if err != nil {
		fmt.Println(err) // one line: no flake.nix, or nix and how to install it
		return
	}
	defer r.Shutdown(ctx)
	if err := r.Init(ctx); err != nil {
		fmt.Println(err) // nix's own message when the flake is broken
		return
	}
	p, err := r.NewProcess("sh", "-c", `echo "FOO is $FOO"`)
	if err != nil {
		fmt.Println(err)
		return
	}
	p.WithOutput(os.Stdout)
	if err := p.Run(ctx); err != nil {
		fmt.Println(err)
	}
	// With nix, it prints: FOO is from-the-flake
}

// Run a command in a container of an image, with a port published on
// 127.0.0.1 and a directory mounted. The same configuration on a host
// without an engine, with PreferredBackend left empty, would run on Nix or
// Native, where Init refuses the mapping and the mount (they cannot take
// effect there). (Not run by go test: it needs a Docker engine and the
// image; TestProcContract runs the same path.)
func ExampleNewCompanionRunner_docker() {
	ctx := context.Background()
	img, err := resources.ParseDockerImage("busybox:1.36")
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := companion.NewCompanionRunner(ctx, companion.CompanionOpts{
		Name:             "web",
		SourceDir:        ".", // bind-mounted at its own path, the working directory
		Image:            img,
		PreferredBackend: companion.Docker,
	})
	if err != nil {
		fmt.Println(err) // one line naming the engine's endpoint and how it was found
		return
	}
	defer r.Shutdown(ctx) // removes the container
	r.WithPause()         // the container idles; processes run in it by exec
	r.WithPortMapping(ctx, 8080, 80)
	r.WithMount("/srv/static", "/static")
	if err := r.Init(ctx); err != nil {
		fmt.Println(err)
		return
	}
	p, err := r.NewProcess("httpd", "-f", "-p", "80", "-h", "/static")
	if err != nil {
		fmt.Println(err)
		return
	}
	p.WithOutput(os.Stdout)
	if err := p.Start(ctx); err != nil {
		fmt.Println(err)
		return
	}
	// … serve on 127.0.0.1:8080, then:
	p.Stop(ctx)
}

// Reap at start-up: before a program starts processes of its own, it stops
// what a previous run left behind when it died (even by SIGKILL): the
// process trees whose owner is dead, and the ephemeral containers of dead
// owners. Each only acts on what is provably corral's.
func Example_reapAtStartup() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := base.ReapStaleProcessGroups(ctx); err != nil {
		fmt.Println("reap:", err)
	}
	// No engine is the normal case on many machines: not an error worth
	// stopping for.
	if _, err := docker.ReapStaleContainers(ctx); err != nil && !errors.Is(err, docker.ErrEngineUnavailable) {
		fmt.Println("sweep containers:", err)
	}
	fmt.Println("ready")
	// Output: ready
}

// Ask which backend would run, without creating anything.
func ExampleChoose() {
	c, err := companion.Choose(context.Background(), companion.CompanionOpts{
		SourceDir:        "/",
		PreferredBackend: companion.Kubernetes,
	})
	fmt.Println(c.Backend == "", err)
	// Output: true companion: the kubernetes backend cannot run here: the kubernetes backend does not exist in corral yet; prefer docker, nix, native or auto
}
