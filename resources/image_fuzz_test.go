package resources

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

// FuzzParseDockerImage checks ParseDockerImage's promises on any string:
// a rejected reference gives no image and an error wrapping
// ErrInvalidImage that quotes it; an accepted one splits into parts of the
// documented shape, FullName gives the reference back, and parsing that
// again gives the same image.
func FuzzParseDockerImage(f *testing.F) {
	sha256 := "sha256:" + strings.Repeat("0123456789abcdef", 4)
	for _, ref := range []string{
		"busybox", "busybox:1.36", "docker.io/library/busybox:1.36", "127.0.0.1:5000/corral/test:latest",
		"host:5000/a/b:t", "[::1]:5000/x", "localhost/x", "a:v1@" + sha256, "a@sha512:" + strings.Repeat("ab", 64),
		"my_app/some--thing__x.y", "Registry.Example.COM/team/api", "UPPER/x", "a:", "a@", ":t", "/a", "a//b", "a/",
		"host:99999999/x", "a:" + strings.Repeat("t", 129),
	} {
		f.Add(ref)
	}
	f.Fuzz(func(t *testing.T, ref string) {
		img, err := ParseDockerImage(ref)
		if err != nil {
			if img != nil {
				t.Fatalf("ParseDockerImage(%q) returned %+v together with error %v", ref, *img, err)
			}
			if !errors.Is(err, ErrInvalidImage) || !strings.Contains(err.Error(), strconv.Quote(ref)) {
				t.Fatalf("ParseDockerImage(%q) error %v: want ErrInvalidImage quoting the reference", ref, err)
			}
			return
		}
		checkImage(t, ref, img)
		if full := img.FullName(); full != ref {
			t.Fatalf("ParseDockerImage(%q).FullName() = %q, want the reference back", ref, full)
		}
		again, err := ParseDockerImage(img.FullName())
		if err != nil || *again != *img {
			t.Fatalf("reparsing %q gave %+v, %v; want %+v", img.FullName(), again, err, *img)
		}
	})
}

// checkImage asserts the shape ParseDockerImage documents for the parts of
// an accepted reference.
func checkImage(t *testing.T, ref string, img *DockerImage) {
	t.Helper()
	if img == nil {
		t.Fatalf("ParseDockerImage(%q) = nil, nil", ref)
	}
	if strings.ContainsAny(ref, " \t\r\n\x00") {
		t.Fatalf("accepted %q, which holds white space or NUL", ref)
	}
	if !pathComponentRE.MatchString(img.Name) {
		t.Fatalf("%q: name %q is not a lowercase path component", ref, img.Name)
	}
	name := img.Name
	if img.Repository != "" {
		name = img.Repository + "/" + img.Name
		parts := strings.Split(img.Repository, "/")
		if looksLikeHost(parts[0]) {
			parts = parts[1:]
		}
		for _, p := range parts {
			if !pathComponentRE.MatchString(p) {
				t.Fatalf("%q: repository %q has component %q", ref, img.Repository, p)
			}
		}
	}
	if len(name) > maxNameLength {
		t.Fatalf("%q: name of %d characters accepted", ref, len(name))
	}
	if img.Tag != "" && (len(img.Tag) > maxTagLength || strings.ContainsAny(img.Tag, ":/@") ||
		strings.HasPrefix(img.Tag, ".") || strings.HasPrefix(img.Tag, "-")) {
		t.Fatalf("%q: tag %q accepted", ref, img.Tag)
	}
	if d := img.Digest; d != "" {
		alg, hex, _ := strings.Cut(d, ":")
		if !(alg == "sha256" && len(hex) == 64 || alg == "sha512" && len(hex) == 128) ||
			strings.Trim(hex, "0123456789abcdef") != "" {
			t.Fatalf("%q: digest %q accepted", ref, d)
		}
	}
}
