package serving

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
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
	case "pyramidbox_lite_mobile_mask":
		// The mask classifier's folder; the face detector comes from pyramidbox_lite beside it.
		p, err := shared.Path("models", "mask_detector")
		if err != nil {
			return "", "shared model absent: " + err.Error()
		}
		return p, ""
	case "ssd_mobilenet_v1_pascal":
		return seededSSD()
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
			_, err = (&install.Installer{Home: h, Inspect: hub.InspectModel}).Install(context.Background(), src)
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
	waiting int // runs held
	inputs  int // their inputs
}

func newGate() *gate { return &gate{open: make(chan struct{})} }

func (g *gate) wrap(run runFunc) runFunc {
	return func(in []string) ([]any, error) {
		g.mu.Lock()
		g.waiting++
		g.inputs += len(in)
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

func (g *gate) heldInputs() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.inputs
}

// postAsync posts body from another goroutine and sends "CODE STATUS RESULTS" or the error.
func (ts *testServer) postAsync(path, body string, answers chan<- string) {
	resp, err := http.Post(ts.url+path, "application/json", strings.NewReader(body))
	if err != nil {
		answers <- err.Error()
		return
	}
	defer resp.Body.Close()
	var r Response
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		answers <- err.Error()
		return
	}
	answers <- fmt.Sprintf("%d %s %v", resp.StatusCode, r.Status, r.Results)
}

// lacConfig serves the test home's lac with small limits.
// postLACConcurrently has clients goroutines post each texts to url's lac module, one a
// request (client c starting at text c), and fails the test for every answer that is not
// want's for its text.
func postLACConcurrently(t *testing.T, url string, texts []string, want map[string]string, clients, each int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan string, clients*each)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				text := texts[(c+i)%len(texts)]
				resp, err := http.Post(url+"/predict/lac", jsonType, strings.NewReader(fmt.Sprintf(`{"text": [%q]}`, text)))
				if err != nil {
					errs <- err.Error()
					continue
				}
				if raw := readAll(resp); resp.StatusCode != http.StatusOK || raw != want[text] {
					errs <- fmt.Sprintf("%s: %d %s, want %s", text, resp.StatusCode, raw, want[text])
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func lacConfig(mutate func(*Config)) Config {
	c := Config{Modules: []ModuleConfig{{Name: "lac"}}, Workers: 2, MaxBatchSize: 8, MaxQueue: 64, MaxBatchWait: 2 * time.Millisecond}
	if mutate != nil {
		mutate(&c)
	}
	return c
}

// seededSSD makes a model directory of the seeded SSD model that real Paddle writes
// (`make oracle-models`, under build/models or GOHUB_BUILD_MODELS) with the shared Pascal
// VOC label list: a plain model directory that installs as an object detection module.
func seededSSD() (string, string) {
	base := settings.BuildModelsDir()
	if base == "" {
		base = filepath.Join("..", "build", "models")
	}
	model := filepath.Join(base, "ssd_mobilenet_v1_pascal_seeded")
	labels, err := shared.Path("data", "images", "pascalvoc_label_list.txt")
	if err != nil {
		return "", "shared data absent: " + err.Error()
	}
	entries, err := os.ReadDir(model)
	if err != nil {
		return "", "no seeded SSD model: `make oracle-models` has real Paddle write it"
	}
	dir := filepath.Join(homeRoot, "src", "ssd_mobilenet_v1_pascal")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err.Error()
	}
	copyFile := func(src, dst string) error {
		data, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	}
	for _, e := range entries {
		if err := copyFile(filepath.Join(model, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			return "", err.Error()
		}
	}
	if err := copyFile(labels, filepath.Join(dir, "pascalvoc_label_list")); err != nil {
		return "", err.Error()
	}
	return dir, ""
}

// sharedImage reads a picture of the shared data, base64-encoded, or skips the test.
func sharedImage(t *testing.T, name string) ([]byte, string) {
	t.Helper()
	p, err := shared.Path("data", "images", name)
	if err != nil {
		t.Skipf("shared image absent: %v", err)
	}
	data, err := os.ReadFile(p)
	require.NoError(t, err)
	return data, base64.StdEncoding.EncodeToString(data)
}

// withHome loads modules from h.
func withHome(h store.Home) Option {
	return WithLoader(func(name string, opts ...hub.Option) (*hub.Module, error) {
		return hub.Load(name, append(opts, hub.WithHome(h))...)
	})
}

// quote is s as a JSON string.
func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
