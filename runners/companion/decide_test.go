package companion

import (
	"errors"
	"strings"
	"testing"
)

// The choice as a pure function: every preference against every state of
// the host, the backend chosen or the error, and what the reason or the
// error must name.
func TestDecide(t *testing.T) {
	noEngine := errors.New("docker: no engine answers at unix:///nonexistent.sock (DOCKER_HOST)")
	const img, dir = "corral-test/busybox:1", "/src/app"
	up := "Docker Engine 20.10 answers at unix:///var/run/docker.sock (the default socket)"
	tests := []struct {
		name    string
		f       facts
		want    string   // backend; "" when an error is expected
		wantErr error    // errors.Is target
		mention []string // in the reason, or in the error
	}{
		{"auto, nothing", facts{preference: Auto, dir: dir}, Native, nil,
			[]string{"native", "no image given", "no flake.nix in /src/app"}},
		{"auto, image and engine", facts{preference: Auto, dir: dir, image: img, engine: up, flake: true, nix: "nix"}, Docker, nil,
			[]string{"image " + img, "unix:///var/run/docker.sock"}},
		{"auto, image without engine, flake and nix", facts{preference: Auto, dir: dir, image: img, engineErr: noEngine, flake: true, nix: "nix"}, Nix, nil,
			[]string{"nonexistent.sock", "holds flake.nix"}},
		{"auto, image without engine", facts{preference: Auto, dir: dir, image: img, engineErr: noEngine}, Native, nil,
			[]string{"nonexistent.sock", "no flake.nix"}},
		{"auto, flake and nix", facts{preference: Auto, dir: dir, flake: true, nix: "nix"}, Nix, nil,
			[]string{"no image given", "/src/app holds flake.nix and nix is installed"}},
		{"auto, flake without nix", facts{preference: Auto, dir: dir, flake: true}, Native, nil,
			[]string{"nix is not installed"}},
		{"auto, unreadable flake", facts{preference: Auto, dir: dir, flakeErr: errors.New("permission denied")}, Native, nil,
			[]string{"cannot be read", "permission denied"}},
		{"docker, no image", facts{preference: Docker, dir: dir}, "", ErrUnavailable, []string{"needs an image"}},
		{"docker, no image, no engine", facts{preference: Docker, engineErr: noEngine}, "", ErrUnavailable, []string{"needs an image", "unix:///nonexistent.sock"}},
		{"docker, no engine", facts{preference: Docker, image: img, engineErr: noEngine}, "", ErrUnavailable, []string{"unix:///nonexistent.sock"}},
		{"docker, served", facts{preference: Docker, image: img, engine: up}, Docker, nil, []string{"docker was asked for"}},
		{"nix, no flake", facts{preference: Nix, dir: dir, nix: "nix"}, "", ErrUnavailable, []string{"flake.nix in /src/app"}},
		{"nix, no nix", facts{preference: Nix, dir: dir, flake: true}, "", ErrUnavailable, []string{"needs nix", "install it"}},
		{"nix, served", facts{preference: Nix, dir: dir, flake: true, nix: "nix"}, Nix, nil, []string{"nix was asked for"}},
		{"native", facts{preference: Native, dir: dir, flake: true, nix: "nix"}, Native, nil, []string{"native was asked for"}},
		{"native with an image", facts{preference: Native, image: img}, Native, nil, []string{"image " + img + " is not used"}},
		{"kubernetes", facts{preference: Kubernetes, image: img}, "", ErrNoKubernetes, []string{"does not exist"}},
		{"unknown", facts{preference: "podman"}, "", ErrUnknownBackend, []string{`"podman"`, "auto, docker, nix or native"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := decide(tc.f)
			text := c.Reason
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("decide: err %v, want %v", err, tc.wantErr)
				}
				text = err.Error()
			} else if err != nil || c.Backend != tc.want {
				t.Fatalf("decide = %+v, %v; want %s", c, err, tc.want)
			}
			for _, m := range tc.mention {
				if !strings.Contains(text, m) {
					t.Errorf("%q does not mention %q", text, m)
				}
			}
			if strings.Contains(text, "\n") {
				t.Errorf("%q is more than one line", text)
			}
			if tc.wantErr == nil && (strings.Count(text, ". ") > 0 || !strings.HasSuffix(text, ".")) {
				t.Errorf("reason %q is not one sentence", text)
			}
		})
	}
}
