package docker

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/corralrun/corral/internal/records"
)

func TestDecideContainer(t *testing.T) {
	self := owner{PID: 100, Start: 5, Boot: "boot-a"}
	dead := owner{PID: 200, Start: 7, Boot: "boot-a"}
	live := owner{PID: 300, Start: 9, Boot: "boot-a"}
	alive := func(o owner) bool { return o == live || o == self }
	lab := func(o owner, eph bool) labelled {
		return labelled{Owner: o, OwnerNS: 1, Ephemeral: eph, OK: true}
	}
	otherBoot := owner{PID: 300, Start: 9, Boot: "boot-b"}
	otherNS := lab(dead, true)
	otherNS.OwnerNS = 2
	for _, c := range []struct {
		name    string
		lb      labelled
		ours    bool
		running bool
		want    verdict
	}{
		{"not ours", labelled{}, false, false, keep},
		{"malformed labels", labelled{Owner: dead}, true, false, keep},
		{"ephemeral, owner alive", lab(live, true), true, true, keep},
		{"ephemeral, owner dead, running", lab(dead, true), true, true, remove},
		{"ephemeral, owner dead, stopped", lab(dead, true), true, false, remove},
		{"persistent, owner dead, running", lab(dead, false), true, true, keep},
		{"persistent, owner dead, stopped", lab(dead, false), true, false, remove},
		{"persistent, owner alive, stopped", lab(live, false), true, false, keep},
		{"owner of another boot, ephemeral", lab(otherBoot, true), true, true, remove},
		{"owner of another boot, persistent running", lab(otherBoot, false), true, true, keep},
		{"owner in another PID namespace", otherNS, true, false, keep},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, why := decideContainer(c.lb, c.ours, c.running, self, 1, alive)
			if got != c.want {
				t.Fatalf("decideContainer = %v (%s), want %v", got, why, c.want)
			}
		})
	}
}

func TestParseLabelsRoundTrip(t *testing.T) {
	o := owner{PID: 42, Start: 1234, Boot: "b"}
	lb, ours := parseLabels(containerLabels("n", o, true, "h"))
	if !ours || !lb.OK || lb.Owner != o || !lb.Ephemeral || lb.Hash != "h" || lb.Name != "n" {
		t.Fatalf("parseLabels = %+v, %v", lb, ours)
	}
	if _, ours := parseLabels(map[string]string{"x": "y"}); ours {
		t.Fatal("a container without our label is ours")
	}
	bad := containerLabels("n", o, true, "h")
	bad[labelOwnerPID] = "-1"
	if lb, _ := parseLabels(bad); lb.OK {
		t.Fatal("a negative owner PID parses")
	}
}

// startOwner runs the test binary as an owner of a container and returns
// it with the container's ID.
func startOwner(t *testing.T, name string, persistent bool) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperVar+"=owner", "CORRAL_DOCKER_TEST_NAME="+name)
	if persistent {
		cmd.Env = append(cmd.Env, "CORRAL_DOCKER_TEST_PERSISTENT=1")
	}
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(out).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case id := <-line:
		if id == "" {
			t.Fatal("owner helper printed no container ID")
		}
		return cmd, id
	case <-time.After(time.Minute):
		t.Fatal("owner helper did not start a container")
	}
	return nil, ""
}

func testEngineAPI(t *testing.T) *engine {
	t.Helper()
	e, err := newEngine(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.close() })
	return e
}

func containerExists(t *testing.T, e *engine, id string) bool {
	t.Helper()
	_, err := e.api.ContainerInspect(context.Background(), id, client.ContainerInspectOptions{})
	if cerrdefs.IsNotFound(err) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	return true
}

func removeAtEnd(t *testing.T, e *engine, id string) {
	t.Cleanup(func() { e.remove(context.Background(), id) })
}

func sweepRemoved(rep *SweepReport, id string) bool {
	for _, r := range rep.Removed {
		if r.ID == id {
			return true
		}
	}
	return false
}

func TestSweepAfterKill9OfOwner(t *testing.T) {
	forEachEngine(t, func(t *testing.T) {
		e := testEngineAPI(t)
		cmd, id := startOwner(t, testName(t), false)
		removeAtEnd(t, e, id)
		ctx := runCtx(t)
		rep, err := ReapStaleContainers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if sweepRemoved(rep, id) || !containerExists(t, e, id) {
			t.Fatal("the sweep removed the container of a live owner")
		}
		cmd.Process.Kill() // SIGKILL: the owner cannot clean up
		cmd.Wait()
		rep, err = ReapStaleContainers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !sweepRemoved(rep, id) || containerExists(t, e, id) {
			t.Fatalf("after kill -9 of its owner the container is still there (report %+v)", rep)
		}
	})
}

func TestSweepKeepsPersistentRunning(t *testing.T) {
	forEachEngine(t, func(t *testing.T) {
		e := testEngineAPI(t)
		cmd, id := startOwner(t, testName(t), true)
		removeAtEnd(t, e, id)
		cmd.Process.Kill()
		cmd.Wait()
		if _, err := ReapStaleContainers(runCtx(t)); err != nil {
			t.Fatal(err)
		}
		if !containerExists(t, e, id) {
			t.Fatal("the sweep removed a persistent running container")
		}
		// Stopped, the dead owner's container goes.
		ctx := runCtx(t)
		if _, err := e.api.ContainerStop(ctx, id, client.ContainerStopOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := ReapStaleContainers(ctx); err != nil {
			t.Fatal(err)
		}
		if containerExists(t, e, id) {
			t.Fatal("the sweep kept a stopped container of a dead owner")
		}
	})
}

// createRaw makes a stopped container with the given labels, outside
// DockerEnvironment.
func createRaw(t *testing.T, e *engine, labels map[string]string) string {
	t.Helper()
	res, err := e.api.ContainerCreate(runCtx(t), client.ContainerCreateOptions{
		Name:   testName(t),
		Config: &container.Config{Image: testImage, Cmd: []string{"true"}, Labels: labels},
	})
	if err != nil {
		t.Fatal(err)
	}
	removeAtEnd(t, e, res.ID)
	return res.ID
}

func TestSweepNeverTouchesUnlabelled(t *testing.T) {
	forEachEngine(t, func(t *testing.T) {
		e := testEngineAPI(t)
		id := createRaw(t, e, map[string]string{"run.corral.name": "looks-like-ours-but-is-not"})
		for range 2 {
			if _, err := ReapStaleContainers(runCtx(t)); err != nil {
				t.Fatal(err)
			}
			if !containerExists(t, e, id) {
				t.Fatal("the sweep removed a container without corral's label")
			}
		}
	})
}

func TestSweepPIDReuseDoesNotProtect(t *testing.T) {
	forEachEngine(t, func(t *testing.T) {
		e := testEngineAPI(t)
		self, err := records.Self()
		if err != nil {
			t.Fatal(err)
		}
		boot, _ := records.BootID()
		// Our own PID, alive, but with another start time: the process
		// that made the container is gone and its PID was reused.
		reused := owner{PID: self.PID, Start: self.Start + 1, Boot: boot}
		id := createRaw(t, e, containerLabels("reused", reused, true, "x"))
		rep, err := ReapStaleContainers(runCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		if !sweepRemoved(rep, id) || containerExists(t, e, id) {
			t.Fatal("a label naming a reused PID protected its container")
		}
		// The same labels with the true start time protect it.
		id2 := createRaw(t, e, containerLabels("alive", owner{PID: self.PID, Start: self.Start, Boot: boot}, true, "x"))
		if _, err := ReapStaleContainers(runCtx(t)); err != nil {
			t.Fatal(err)
		}
		if !containerExists(t, e, id2) {
			t.Fatal("the sweep removed the container of a live owner")
		}
	})
}

func TestSweepWithoutEngineSocket(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix://"+t.TempDir()+"/none.sock")
	rep, err := ReapStaleContainers(context.Background())
	if err != nil || !rep.NoEngine {
		t.Fatalf("ReapStaleContainers = %+v, %v; want NoEngine and no error", rep, err)
	}
}

// BenchmarkSweepNoEngine is the cost every corral command pays on a
// machine without Docker: the endpoint resolved through the CLI's config
// and context store to a socket that does not exist.
func BenchmarkSweepNoEngine(b *testing.B) {
	cfg := b.TempDir()
	writeContext(b, cfg, "gone", "unix://"+b.TempDir()+"/docker.sock")
	b.Setenv("DOCKER_HOST", "")
	b.Setenv("DOCKER_CONTEXT", "")
	b.Setenv("DOCKER_CONFIG", cfg)
	ctx := context.Background()
	for b.Loop() {
		rep, err := ReapStaleContainers(ctx)
		if err != nil || !rep.NoEngine {
			b.Fatal(rep, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/sweep")
}

// A container another live process made is reused when persistent with
// the same configuration, and never replaced under it otherwise.
func TestLiveOwnersContainerNotReplaced(t *testing.T) {
	forEachEngine(t, func(t *testing.T) {
		name := testName(t)
		cmd, id := startOwner(t, name, true)
		e := testEngineAPI(t)
		removeAtEnd(t, e, id)
		ctx := runCtx(t)
		mk := func() *DockerEnvironment {
			env, err := NewDockerHeadlessEnvironment(ctx, mustImage(t, testImage), name)
			if err != nil {
				t.Fatal(err)
			}
			env.WithPause()
			t.Cleanup(func() { env.eng.close() })
			return env
		}
		same := mk()
		if err := same.Init(ctx); err != nil {
			t.Fatal(err)
		}
		if same.ContainerID() != id {
			t.Fatal("the same configuration did not reuse the live owner's container")
		}
		other := mk()
		other.WithUser("1000")
		err := other.Init(ctx)
		if err == nil || !strings.Contains(err.Error(), "in use by pid "+strconv.Itoa(cmd.Process.Pid)) {
			t.Fatalf("Init with another configuration = %v, want an error naming the owner", err)
		}
		if !containerExists(t, e, id) {
			t.Fatal("the live owner's container was replaced")
		}
	})
}
