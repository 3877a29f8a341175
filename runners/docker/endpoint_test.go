package docker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeContext writes a docker CLI context store entry and makes it the
// current context of the config in dir.
func writeContext(t testing.TB, dir, name, host string) {
	t.Helper()
	sum := sha256.Sum256([]byte(name))
	meta := filepath.Join(dir, "contexts", "meta", hex.EncodeToString(sum[:]))
	if err := os.MkdirAll(meta, 0o700); err != nil {
		t.Fatal(err)
	}
	body := `{"Name":"` + name + `","Metadata":{},"Endpoints":{"docker":{"Host":"` + host + `","SkipTLSVerify":false}}}`
	if err := os.WriteFile(filepath.Join(meta, "meta.json"), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"auths":{},"currentContext":"`+name+`"}`), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestResolveEndpoint(t *testing.T) {
	cfg := t.TempDir()
	writeContext(t, cfg, "remote", "tcp://127.0.0.1:2376")
	writeContext(t, cfg, "other", "unix:///run/other.sock") // now the current one
	empty := t.TempDir()
	badCfg := t.TempDir()
	os.WriteFile(filepath.Join(badCfg, "config.json"), []byte("{not json"), 0o600)
	for _, c := range []struct {
		name                  string
		host, context, config string
		wantHost, wantSource  string
		wantErr               string
	}{
		{"DOCKER_HOST wins", "unix:///x.sock", "remote", cfg, "unix:///x.sock", "DOCKER_HOST", ""},
		{"DOCKER_CONTEXT", "", "remote", cfg, "tcp://127.0.0.1:2376", `context "remote" (DOCKER_CONTEXT)`, ""},
		{"current context", "", "", cfg, "unix:///run/other.sock", `context "other" (current context in ` + filepath.Join(cfg, "config.json") + ")", ""},
		{"default context", "", "default", cfg, "unix:///var/run/docker.sock", "the default socket", ""},
		{"no config", "", "", empty, "unix:///var/run/docker.sock", "the default socket", ""},
		{"unknown context", "", "nope", cfg, "", "", `context "nope" (DOCKER_CONTEXT) does not exist`},
		{"corrupt config", "", "", badCfg, "", "", "is not valid JSON"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("DOCKER_HOST", c.host)
			t.Setenv("DOCKER_CONTEXT", c.context)
			t.Setenv("DOCKER_CONFIG", c.config)
			t.Setenv("DOCKER_CERT_PATH", "")
			ep, err := ResolveEndpoint()
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ep.Host != c.wantHost || ep.Source != c.wantSource {
				t.Fatalf("got %q from %q, want %q from %q", ep.Host, ep.Source, c.wantHost, c.wantSource)
			}
		})
	}
}

func TestUnreachableEngineError(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ name, host, want string }{
		{"missing socket", "unix://" + dir + "/none.sock", "socket does not exist"},
		{"nothing listening", "tcp://127.0.0.1:1", "connect"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("DOCKER_HOST", c.host)
			start := time.Now()
			if EngineRunning(context.Background()) {
				t.Fatal("EngineRunning = true")
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("EngineRunning took %v", d)
			}
			_, err := NewDockerHeadlessEnvironment(context.Background(), mustImage(t, "busybox"), "x")
			var ee *EngineError
			if !errors.As(err, &ee) || !errors.Is(err, ErrEngineUnavailable) {
				t.Fatalf("err = %v, want an *EngineError", err)
			}
			msg := err.Error()
			for _, w := range []string{c.host, "DOCKER_HOST", c.want, "unset DOCKER_HOST"} {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not name %q", msg, w)
				}
			}
		})
	}
}

func TestEngineInfo(t *testing.T) {
	forEachEngine(t, func(t *testing.T) {
		if !EngineRunning(context.Background()) {
			t.Fatal("EngineRunning = false")
		}
		info, err := Engine(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if info.Server == "" || info.API == "" || info.Endpoint.Source != "DOCKER_HOST" {
			t.Fatalf("info %+v", info)
		}
		t.Logf("%s, API %s (server %s)", info.Server, info.API, info.ServerAPI)
	})
}
