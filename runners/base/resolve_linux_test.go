package base

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/corralrun/corral/resources"
)

// captureDefaultLog sends slog.Default() to a buffer for the test.
func captureDefaultLog(t *testing.T) func() string {
	t.Helper()
	var mu sync.Mutex
	var buf bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(writerFunc(func(b []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return buf.Write(b)
	}), &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(prev) })
	return func() string {
		mu.Lock()
		defer mu.Unlock()
		return buf.String()
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

func TestResolveStandaloneEnvironment(t *testing.T) {
	requireNix(t)
	nixKind := &resources.RuntimeContext{Kind: resources.RuntimeNix}
	tests := []struct {
		name    string
		dir     func(t *testing.T) string
		rc      *resources.RuntimeContext
		noNix   bool
		wantNix bool
		wantLog string
	}{
		{"nix with a flake", func(t *testing.T) string { return nixFixture(t, "vars") }, nixKind, false, true, "served by a Nix environment"},
		{"nix without flake.nix", func(t *testing.T) string { return t.TempDir() }, nixKind, false, false, "no flake.nix in"},
		{"nix not installed", func(t *testing.T) string { return nixFixture(t, "vars") }, nixKind, true, false, "nix is not installed"},
		{"native kind", func(t *testing.T) string { return nixFixture(t, "vars") }, &resources.RuntimeContext{Kind: resources.RuntimeNative}, false, false, ""},
		{"no runtime context", func(t *testing.T) string { return t.TempDir() }, nil, false, false, ""},
		{"container kind", func(t *testing.T) string { return t.TempDir() }, &resources.RuntimeContext{Kind: resources.RuntimeContainer}, false, false, "served natively"},
		{"unusable directory", func(t *testing.T) string { return "/no/such/dir" }, nil, false, false, "environment directory unusable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := captureDefaultLog(t)
			dir := tt.dir(t)
			if tt.noNix {
				t.Setenv("PATH", t.TempDir())
			}
			env := ResolveStandaloneEnvironment(context.Background(), dir, tt.rc)
			if env == nil {
				t.Fatal("nil environment")
			}
			_, isNix := env.(*NixEnvironment)
			if _, isNative := env.(*NativeEnvironment); isNix == isNative {
				t.Fatalf("got %T", env)
			}
			if isNix != tt.wantNix {
				t.Fatalf("got %T, want Nix=%v", env, tt.wantNix)
			}
			if tt.wantLog != "" && !strings.Contains(logs(), tt.wantLog) {
				t.Fatalf("log %q does not say %q", logs(), tt.wantLog)
			}
			env.Shutdown(context.Background())
		})
	}
}
