package resources

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

func TestParseDockerImage(t *testing.T) {
	sha256 := "sha256:" + strings.Repeat("0123456789abcdef", 4)
	sha512 := "sha512:" + strings.Repeat("0123456789abcdef", 8)
	tests := []struct {
		ref  string
		want DockerImage
	}{
		{"busybox", DockerImage{Name: "busybox"}},
		{"busybox:latest", DockerImage{Name: "busybox", Tag: "latest"}},
		{"a/b:1.2", DockerImage{Repository: "a", Name: "b", Tag: "1.2"}},
		{"host:5000/a/b:t", DockerImage{Repository: "host:5000/a", Name: "b", Tag: "t"}},
		{"host:5000/a", DockerImage{Repository: "host:5000", Name: "a"}},
		{"a@" + sha256, DockerImage{Name: "a", Digest: sha256}},
		{"a:v1@" + sha256, DockerImage{Name: "a", Tag: "v1", Digest: sha256}},
		{"a@" + sha512, DockerImage{Name: "a", Digest: sha512}},
		{"docker.io/library/busybox:1.36", DockerImage{Repository: "docker.io/library", Name: "busybox", Tag: "1.36"}},
		{"localhost/x", DockerImage{Repository: "localhost", Name: "x"}},
		{"localhost:5000/x:dev", DockerImage{Repository: "localhost:5000", Name: "x", Tag: "dev"}},
		{"Registry.Example.COM/team/api", DockerImage{Repository: "Registry.Example.COM/team", Name: "api"}},
		{"[::1]:5000/x", DockerImage{Repository: "[::1]:5000", Name: "x"}},
		{"a/b/c/d", DockerImage{Repository: "a/b/c", Name: "d"}},
		{"my_app/some--thing__x.y", DockerImage{Repository: "my_app", Name: "some--thing__x.y"}},
		{"a:V_1.0-rc.1", DockerImage{Name: "a", Tag: "V_1.0-rc.1"}},
		{"a:_x", DockerImage{Name: "a", Tag: "_x"}},
		{"a:" + strings.Repeat("t", 128), DockerImage{Name: "a", Tag: strings.Repeat("t", 128)}},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			got, err := ParseDockerImage(tt.ref)
			if err != nil {
				t.Fatalf("ParseDockerImage(%q): %v", tt.ref, err)
			}
			if *got != tt.want {
				t.Errorf("ParseDockerImage(%q) = %+v, want %+v", tt.ref, *got, tt.want)
			}
			if full := got.FullName(); full != tt.ref {
				t.Errorf("ParseDockerImage(%q).FullName() = %q, want the reference back", tt.ref, full)
			}
		})
	}
}

func TestParseDockerImageRejects(t *testing.T) {
	hex64 := strings.Repeat("ab", 32)
	tests := []struct {
		name string
		ref  string
	}{
		{"empty", ""},
		{"space in name", "bad name"},
		{"space in tag", "a:b c"},
		{"leading space", " busybox"},
		{"uppercase name", "BusyBox"},
		{"uppercase namespace", "Team/app"},
		{"empty tag", "a:"},
		{"empty name before tag", ":tag"},
		{"empty name before digest", "@" + "sha256:" + hex64},
		{"empty digest hex", "a@sha256:"},
		{"digest alone", "@sha256:"},
		{"tag starting with dot", "a:.x"},
		{"tag starting with dash", "a:-x"},
		{"tag with slash-free bad char", "a:x+y"},
		{"tag too long", "a:" + strings.Repeat("t", 129)},
		{"short digest", "a@sha256:" + hex64[:63]},
		{"uppercase digest", "a@sha256:" + strings.ToUpper(hex64)},
		{"unknown digest algorithm", "a@md5:" + hex64},
		{"digest without algorithm", "a@" + hex64},
		{"two digests", "a@sha256:" + hex64 + "@sha256:" + hex64},
		{"empty component", "a//b"},
		{"trailing slash", "a/"},
		{"leading slash", "/a"},
		{"separator at end", "a-/b"},
		{"separator at start", "a/_b"},
		{"triple underscore", "a___b"},
		{"bad host", "-host.com/a"},
		// A first component with a dot is a host, as for Docker, and hosts hold no '_'.
		{"dotted namespace with underscore", "my_app.v2/x"},
		{"bad port", "host:port/a"},
		{"name too long", strings.Repeat("a", 256)},
		{"nul", "a\x00b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := ParseDockerImage(tt.ref)
			if err == nil {
				t.Fatalf("ParseDockerImage(%q) = %+v, want an error", tt.ref, *img)
			}
			if !errors.Is(err, ErrInvalidImage) {
				t.Errorf("ParseDockerImage(%q) error %v does not wrap ErrInvalidImage", tt.ref, err)
			}
			if img != nil {
				t.Errorf("ParseDockerImage(%q) returned %+v with its error", tt.ref, *img)
			}
			if quoted := strconv.Quote(tt.ref); !strings.Contains(err.Error(), quoted) {
				t.Errorf("error %q does not name the input %s", err, quoted)
			}
		})
	}
}

func TestDockerImageFullName(t *testing.T) {
	tests := []struct {
		name string
		img  *DockerImage
		want string
	}{
		{"nil", nil, ""},
		{"name only", &DockerImage{Name: "busybox"}, "busybox"},
		{"no default tag", &DockerImage{Repository: "docker.io/library", Name: "busybox"}, "docker.io/library/busybox"},
		{"tag", &DockerImage{Repository: "a", Name: "b", Tag: "1"}, "a/b:1"},
		{"digest", &DockerImage{Name: "b", Digest: "sha256:x"}, "b@sha256:x"},
		{"all", &DockerImage{Repository: "h:1/a", Name: "b", Tag: "t", Digest: "sha256:x"}, "h:1/a/b:t@sha256:x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.img.FullName(); got != tt.want {
				t.Errorf("FullName() = %q, want %q", got, tt.want)
			}
		})
	}
}
