package resources

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// ErrInvalidImage is wrapped by every error that rejects an image
// reference.
var ErrInvalidImage = errors.New("resources: invalid image reference")

// DockerImage is a parsed image reference, split as
// Repository/Name[:Tag][@Digest].
//
// Repository is everything before the last path component: the registry
// host (with its port) and the namespace, for example
// "docker.io/library" or "host:5000/team"; it is empty for a bare name
// such as "busybox". Name is the last path component. Tag is empty when
// the reference has none, and Digest ("sha256:<hex>") likewise.
//
// Nothing is defaulted: "busybox" is not turned into
// "docker.io/library/busybox:latest". Whoever pulls the image applies the
// registry's defaults, so a reference keeps meaning what its author wrote.
type DockerImage struct {
	Repository string
	Name       string
	Tag        string
	Digest     string
}

// maxTagLength and maxNameLength are the limits the Docker registry
// enforces on a tag and on a repository name.
const (
	maxTagLength  = 128
	maxNameLength = 255
)

// The grammar of a reference, after the distribution specification:
// lowercase path components, a registry host that may hold a port, tags of
// word characters, digests of a registered algorithm with lowercase hex.
var (
	pathComponentRE = regexp.MustCompile(`^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$`)
	hostRE          = regexp.MustCompile(`^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]{1,5})?$`)
	tagRE           = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`)
	digestRE        = regexp.MustCompile(`^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$`)
)

// ParseDockerImage parses an image reference such as "busybox", "a/b:1.2",
// "host:5000/a/b:t", "docker.io/library/busybox:1.36" or
// "a@sha256:<64 hex digits>".
//
// The first path component is taken as a registry host when more
// components follow and it holds a '.' or a ':' or is "localhost"; every
// other component must be lowercase letters and digits joined by '.',
// '_', "__" or runs of '-'. A tag is at most 128 letters, digits, '_', '.'
// and '-', not starting with '.' or '-'. A digest is sha256 with 64, or
// sha512 with 128, lowercase hex digits.
//
// The error for a reference that does not parse wraps ErrInvalidImage and
// quotes the reference.
func ParseDockerImage(ref string) (*DockerImage, error) {
	name, tag, digest, err := splitReference(ref)
	if err == nil {
		err = checkName(name)
	}
	if err != nil {
		return nil, fmt.Errorf("%w %q: %v", ErrInvalidImage, ref, err)
	}
	img := &DockerImage{Name: name, Tag: tag, Digest: digest}
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		img.Repository, img.Name = name[:i], name[i+1:]
	}
	return img, nil
}

// splitReference cuts ref into name, tag and digest, and checks the tag
// and the digest.
func splitReference(ref string) (name, tag, digest string, err error) {
	if ref == "" {
		return "", "", "", errors.New("empty")
	}
	name, digest, hasDigest := strings.Cut(ref, "@")
	if hasDigest && !digestRE.MatchString(digest) {
		return "", "", "", fmt.Errorf("digest %q: want sha256:<64 hex> or sha512:<128 hex>, lowercase", digest)
	}
	// A ':' after the last '/' starts a tag; one before it is a port.
	if i := strings.LastIndexByte(name, ':'); i > strings.LastIndexByte(name, '/') {
		name, tag = name[:i], name[i+1:]
		switch {
		case tag == "":
			return "", "", "", errors.New("empty tag after ':'")
		case len(tag) > maxTagLength:
			return "", "", "", fmt.Errorf("tag longer than %d characters", maxTagLength)
		case !tagRE.MatchString(tag):
			return "", "", "", fmt.Errorf("tag %q: want letters, digits, '_', '.' and '-', not starting with '.' or '-'", tag)
		}
	}
	return name, tag, digest, nil
}

// checkName checks the part of a reference before its tag and digest.
func checkName(name string) error {
	if name == "" {
		return errors.New("empty name")
	}
	if len(name) > maxNameLength {
		return fmt.Errorf("name longer than %d characters", maxNameLength)
	}
	parts := strings.Split(name, "/")
	if len(parts) > 1 && looksLikeHost(parts[0]) {
		if !hostRE.MatchString(parts[0]) {
			return fmt.Errorf("registry host %q is not a host name with an optional port", parts[0])
		}
		parts = parts[1:]
	}
	for _, p := range parts {
		if !pathComponentRE.MatchString(p) {
			return fmt.Errorf("path component %q: want lowercase letters and digits joined by '.', '_', '__' or '-'", p)
		}
	}
	return nil
}

// looksLikeHost reports whether the first component of a name is a
// registry host rather than a namespace, as Docker decides it.
func looksLikeHost(s string) bool {
	return strings.ContainsAny(s, ".:") || s == "localhost"
}

// FullName returns the reference as Repository/Name[:Tag][@Digest],
// leaving out what is empty. For a reference from ParseDockerImage it is
// the reference as given. A nil image gives "".
func (i *DockerImage) FullName() string {
	if i == nil {
		return ""
	}
	var b strings.Builder
	if i.Repository != "" {
		b.WriteString(i.Repository)
		b.WriteByte('/')
	}
	b.WriteString(i.Name)
	if i.Tag != "" {
		b.WriteByte(':')
		b.WriteString(i.Tag)
	}
	if i.Digest != "" {
		b.WriteByte('@')
		b.WriteString(i.Digest)
	}
	return b.String()
}
