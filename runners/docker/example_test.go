package docker_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/corralrun/corral/resources"
	"github.com/corralrun/corral/runners/docker"
)

// A container for one directory, a process in it, and the container
// removed at the end. (Compiled, not run: it needs an engine.)
func ExampleNewDockerEnvironment() {
	ctx := context.Background()
	img, err := resources.ParseDockerImage("busybox:1.36")
	if err != nil {
		log.Fatal(err)
	}
	env, err := docker.NewDockerEnvironment(ctx, img, ".", "example")
	if err != nil {
		log.Fatal(err) // names the endpoint and how it was chosen
	}
	env.WithEphemeral()
	env.WithPause()
	env.WithGracePeriod(2 * time.Second)
	defer env.Shutdown(ctx)
	if err := env.Init(ctx); err != nil {
		log.Fatal(err)
	}
	p, err := env.NewProcess("sh", "-c", "echo hello from $(hostname)")
	if err != nil {
		log.Fatal(err)
	}
	p.WithOutput(os.Stdout)
	if err := p.Run(ctx); err != nil {
		log.Fatal(err)
	}
}

// The sweep every corral command runs first: cheap without an engine.
func ExampleReapStaleContainers() {
	rep, err := docker.ReapStaleContainers(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range rep.Removed {
		fmt.Println("removed", c.Name, c.Reason)
	}
}
