package serving

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/hub"
	"github.com/gohub/gohub/hub/install"
	"github.com/gohub/gohub/hub/store"
	"github.com/gohub/gohub/internal/settings"
	"github.com/gohub/gohub/internal/shared"
)

// The modules the tests serve are installed once per test binary into one temporary home.
var (
	homeMu   sync.Mutex
	homeRoot string
	homeMods = map[string]error{}
)

func TestMain(m *testing.M) {
	code := m.Run()
	if homeRoot != "" {
		_ = os.RemoveAll(homeRoot)
	}
	os.Exit(code)
}

// moduleSource finds what a test module is installed from, or says why it is absent.
func moduleSource(name string) (string, string) {
	switch name {
	case "lac":
		// The LAC package from PyPI as `make lac-pkg` extracts it (GOHUB_LAC_PKG names its LAC/).
		dir := settings.LACPackage.Value()
		if dir == "" {
			dir = filepath.Join("..", "build", "lac-pkg", "LAC-2.1.2", "LAC")
		}
		if _, err := os.Stat(filepath.Join(dir, "lac_model", "model", "__model__")); err != nil {
			return "", "LAC package absent: run `make lac-pkg` or set " + settings.LACPackage.Name
		}
		return filepath.Dir(dir), ""
	case "shufflenet_v2_imagenet":
		p, err := shared.Path("models", name)
		if err != nil {
			return "", "shared model absent: " + err.Error()
		}
		return p, ""
	}
	return "", "no test source for " + name
}

// installed returns the test home with the modules installed, or skips the test.
func installed(t *testing.T, names ...string) store.Home {
	t.Helper()
	homeMu.Lock()
	defer homeMu.Unlock()
	if homeRoot == "" {
		dir, err := os.MkdirTemp("", "gohub-serving-test-")
		require.NoError(t, err)
		homeRoot = dir
	}
	h := store.Home{Root: homeRoot}
	for _, name := range names {
		err, done := homeMods[name]
		if !done {
			src, why := moduleSource(name)
			if why != "" {
				t.Skip(why)
			}
			_, err = (&install.Installer{Home: h}).Install(context.Background(), src)
			homeMods[name] = err
		}
		require.NoError(t, err, "install %s", name)
	}
	return h
}

// testServer is a Server answering on a loopback port.
type testServer struct {
	*Server
	url    string
	served chan error
	down   sync.Once
}

// start serves cfg's modules from h on a loopback port; wrap, when not nil, wraps each
// module's batch runs. The server shuts down when the test ends.
func start(t *testing.T, cfg Config, h store.Home, wrap func(runFunc) runFunc) *testServer {
	t.Helper()
	s, err := New(cfg, WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
		WithLoader(func(name string, opts ...hub.Option) (*hub.Module, error) {
			return hub.Load(name, append(opts, hub.WithHome(h))...)
		}))
	require.NoError(t, err)
	s.wrap = wrap
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ts := &testServer{Server: s, url: "http://" + l.Addr().String(), served: make(chan error, 1)}
	go func() { ts.served <- s.Serve(l) }()
	t.Cleanup(func() { ts.shutdown(t) })
	require.NoError(t, s.Load(context.Background(), nil))
	return ts
}

// shutdown shuts the server down (once) and checks that Serve returned.
func (ts *testServer) shutdown(t *testing.T) {
	ts.down.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, ts.Shutdown(ctx))
		require.NoError(t, <-ts.served)
	})
}

// post sends body to path and returns the HTTP status and the decoded envelope.
func (ts *testServer) post(t *testing.T, path, contentType, body string) (int, Response, string) {
	t.Helper()
	resp, err := http.Post(ts.url+path, contentType, strings.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var r Response
	require.NoError(t, json.Unmarshal(raw, &r), "%s", raw)
	return resp.StatusCode, r, strings.TrimSpace(string(raw))
}

// get fetches path and returns the HTTP status and the body.
func (ts *testServer) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(ts.url + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(raw)
}

// gate holds every batch run until the test lets it go (close), counting the runs that
// wait at it.
type gate struct {
	open    chan struct{}
	mu      sync.Mutex
	waiting int
}

func newGate() *gate { return &gate{open: make(chan struct{})} }

func (g *gate) wrap(run runFunc) runFunc {
	return func(in []string) ([]any, error) {
		g.mu.Lock()
		g.waiting++
		g.mu.Unlock()
		<-g.open
		return run(in)
	}
}

func (g *gate) held() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.waiting
}

// lacConfig serves the test home's lac with small limits.
func lacConfig(mutate func(*Config)) Config {
	c := Config{Modules: []ModuleConfig{{Name: "lac"}}, Workers: 2, MaxBatchSize: 8, MaxQueue: 64, MaxBatchWait: 2 * time.Millisecond}
	if mutate != nil {
		mutate(&c)
	}
	return c
}
