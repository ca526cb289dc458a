package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/paddle"
)

func TestHelpAndUsage(t *testing.T) {
	g := newRunner(t)
	r := g.run("--help")
	assert.Equal(t, 0, r.code)
	for _, want := range []string{"install", "uninstall", "download", "search", "list", "show", "run", "config",
		"version", "index", "GOHUB_HOME", "GOHUB_SERVER", "GOHUB_TIMEOUT", "GOHUB_PIP", "GOHUB_SHARED", "EXIT STATUS"} {
		assert.Contains(t, r.stdout, want)
	}
	r = g.run()
	assert.Equal(t, 1, r.code, "no command is a usage error")
	assert.Contains(t, r.stderr, "COMMANDS:")
	assert.Empty(t, r.stdout)

	for _, args := range [][]string{{"frobnicate"}, {"install"}, {"install", "--bogus", "lac"}, {"list", "--format", "xml"},
		{"show"}, {"search", "a", "b"}, {"config", "set", "port", "1"}, {"install", "not a name"}} {
		r := g.run(args...)
		assert.Equal(t, 1, r.code, "%v: %s", args, r.stderr)
		assert.Contains(t, r.stderr, "gohub", "%v", args)
	}
}

func TestVersion(t *testing.T) {
	r := newRunner(t).run("version")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "gohub "+version)
	assert.Regexp(t, `Paddle Inference C library: \S+, (gohub's bundled library|the official)`, r.stdout)
	assert.Contains(t, r.stdout, gpuLine(paddle.GPUInfo())+"\n", "the binary links the tests' library")
}

func TestVersionGPULine(t *testing.T) {
	assert.Equal(t, "GPU: unavailable: no NVIDIA GPU found", gpuLine("unavailable: no NVIDIA GPU found"))
	info := "CUDA driver 13.0, runtime 13.0, cuDNN 9.13.0, cuBLAS 13.0; GPU 0: NVIDIA H200 (sm_90, 140 GiB)"
	assert.Equal(t, "GPU: CUDA backend loaded; "+info, gpuLine(info))
}

func TestInstallListShowUninstall(t *testing.T) {
	g := newRunner(t)
	archive := writeTarGz(t, filepath.Join(t.TempDir(), "demo-1.0.0.tar.gz"), moduleFiles("demo/", "demo", "1.0.0"))

	r := g.run("install", "--force", archive) // its model is a stand-in that does not load
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Successfully installed demo-1.0.0 (from demo-1.0.0.tar.gz)")
	assert.Contains(t, r.stderr, "Unpacking", "progress goes to stderr")

	r = g.run("install", archive)
	assert.Equal(t, 0, r.code)
	assert.Contains(t, r.stdout, "already installed")

	r = g.run("list")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `demo\s+1\.0\.0\s+image_classification\s+`+regexpQuote(filepath.Join(g.home, "modules", "demo")), r.stdout)

	r = g.run("list", "--format", "json")
	require.Equal(t, 0, r.code)
	var listed []installedEntry
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &listed))
	require.Len(t, listed, 1)
	assert.Equal(t, "demo", listed[0].Name)

	r = g.run("show", "demo")
	require.Equal(t, 0, r.code, r.stderr)
	for _, want := range []string{"Version:   1.0.0", "Kind:      image_classification", "a demo for tests",
		"classification (default): model/m.pdmodel + model/m.pdiparams", "input   image  float32  [-1, 3, 8, 8]",
		"output  prob   float32  [-1, 2]", "Files: 3", "model/m.pdmodel", "7 B"} {
		assert.Contains(t, r.stdout, want)
	}
	r = g.run("show", "--format", "json", "demo")
	require.Equal(t, 0, r.code)
	var shown map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &shown))
	assert.Equal(t, "1.0.0", shown["version"])
	assert.Len(t, shown["files"], 3)

	r = g.run("install", t.TempDir())
	assert.Equal(t, 1, r.code, "a directory that is no module is a usage error")
	assert.Contains(t, r.stderr, "is not a module")

	r = g.run("show", "nothere")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "gohub install nothere")

	r = g.run("uninstall", "demo")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Successfully uninstalled demo")
	r = g.run("uninstall", "demo")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "not installed")
	r = g.run("list")
	assert.Equal(t, 0, r.code)
	assert.Contains(t, r.stderr, "No modules installed")
}

func TestInstallOfflineFailsFastAndClearly(t *testing.T) {
	g := newRunner(t)
	start := time.Now()
	r := g.run("install", "lac")
	assert.Less(t, time.Since(start), 3*time.Second)
	assert.Equal(t, 2, r.code, "an unreachable source is a runtime failure")
	assert.Contains(t, r.stderr, "could not install lac from any source")
	assert.Contains(t, r.stderr, "connection refused")
	assert.Contains(t, r.stderr, "gohub install ./lac.tar.gz")
	assert.NoDirExists(t, filepath.Join(g.home, "modules", "lac"))

	r = g.run("search", "lac")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "gohub config set server")
}

// TestServedIndex builds an index with the binary, serves the folder, and installs,
// searches and downloads through it.
func TestServedIndex(t *testing.T) {
	g := newRunner(t)
	dir := t.TempDir()
	writeTarGz(t, filepath.Join(dir, "demo-1.0.0.tar.gz"), moduleFiles("demo/", "demo", "1.0.0"))
	writeTarGz(t, filepath.Join(dir, "other-0.1.0.tar.gz"), moduleFiles("other/", "other", "0.1.0"))
	r := g.run("index", "build", dir)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "with 2 modules")

	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()
	g.env["GOHUB_SERVER"] = srv.URL + "/index.json"

	r = g.run("search", "demo")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `demo\s+1\.0\.0\s+image_classification\s+a demo for tests`, r.stdout)
	assert.NotContains(t, r.stdout, "other")

	r = g.run("search", "--format", "json")
	require.Equal(t, 0, r.code)
	var found []map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &found))
	require.Len(t, found, 2)
	assert.Equal(t, srv.URL+"/demo-1.0.0.tar.gz", found[0]["url"])
	assert.Len(t, found[0]["sha256"], 64)

	r = g.run("install", "--force", "demo")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Successfully installed demo-1.0.0")

	r = g.run("install", "demo==9.9")
	assert.Equal(t, 1, r.code, "a version no source has is 'not found'")
	assert.Contains(t, r.stderr, "available: 1.0.0")

	out := t.TempDir()
	r = g.run("download", "-o", out, "other")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, filepath.Join(out, "other-0.1.0.tar.gz"), strings.TrimSpace(r.stdout))
	assert.FileExists(t, filepath.Join(out, "other-0.1.0.tar.gz"))

	// The server goes away: search answers from the cache, install reports the failure.
	srv.Close()
	r = g.run("list", "--remote")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "other")
	assert.Contains(t, r.stderr, "cached")
	r = g.run("install", "other")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "cannot reach")
}

func TestConfig(t *testing.T) {
	g := newRunner(t)
	delete(g.env, "GOHUB_SERVER")
	r := g.run("config")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "http://paddlepaddle.org.cn/paddlehub", "the default is the official server")

	r = g.run("config", "set", "server", "http://a.example/hub;https://b.example/index.json")
	require.Equal(t, 0, r.code, r.stderr)
	r = g.run("config", "show")
	assert.Contains(t, r.stdout, "- http://a.example/hub\n")
	assert.Contains(t, r.stdout, "- https://b.example/index.json\n")

	r = g.run("config", "server==http://c.example/hub")
	require.Equal(t, 0, r.code, r.stderr)
	data, err := os.ReadFile(filepath.Join(g.home, "conf", "config.yaml"))
	require.NoError(t, err)
	assert.Contains(t, string(data), "http://c.example/hub")

	r = g.run("config", "set", "server", "ftp://nope")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "invalid server URL")

	r = g.run("config", "reset")
	require.Equal(t, 0, r.code)
	assert.Contains(t, r.stdout, "paddlepaddle.org.cn")
}

func regexpQuote(s string) string {
	return strings.NewReplacer(".", `\.`, "+", `\+`, "(", `\(`, ")", `\)`).Replace(s)
}

// TestKilledInstallResumes kills gohub in the middle of a download: the store holds no
// trace of the module, and the next install resumes the partial download.
func TestKilledInstallResumes(t *testing.T) {
	g := newRunner(t)
	dir := t.TempDir()
	files := moduleFiles("demo/", "demo", "1.0.0")
	files["demo/model/m.pdiparams"] = strings.Repeat("0123456789abcdef", 1<<16)
	archive := writeTarGz(t, filepath.Join(dir, "demo-1.0.0.tar.gz"), files)
	require.Equal(t, 0, g.run("index", "build", dir).code)
	data, err := os.ReadFile(archive)
	require.NoError(t, err)

	var mu sync.Mutex
	var ranges []string
	stall := true
	files2 := http.FileServer(http.Dir(dir))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/demo-1.0.0.tar.gz" {
			files2.ServeHTTP(w, r)
			return
		}
		mu.Lock()
		ranges = append(ranges, r.Header.Get("Range"))
		first := stall
		stall = false
		mu.Unlock()
		if first { // half the archive, then silence until the client goes away
			w.Header().Set("Content-Length", strconv.Itoa(len(data)))
			w.Write(data[:len(data)/2])
			http.NewResponseController(w).Flush()
			<-r.Context().Done()
			return
		}
		http.ServeContent(w, r, "demo.tar.gz", time.Time{}, bytes.NewReader(data))
	}))
	defer srv.Close()
	g.env["GOHUB_SERVER"] = srv.URL + "/index.json"
	g.env["GOHUB_TIMEOUT"] = "30s" // the stall must outlast the kill

	cmd := g.command("install", "--force", "demo")
	require.NoError(t, cmd.Start())
	part := func() int64 {
		m, _ := filepath.Glob(filepath.Join(g.home, "cache", "downloads", "*.part"))
		if len(m) == 0 {
			return 0
		}
		fi, err := os.Stat(m[0])
		if err != nil {
			return 0
		}
		return fi.Size()
	}
	require.Eventually(t, func() bool { return part() == int64(len(data)/2) }, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, cmd.Process.Kill())
	cmd.Wait()
	assert.NoDirExists(t, filepath.Join(g.home, "modules", "demo"))

	g.env["GOHUB_TIMEOUT"] = "2s"
	r := g.run("install", "--force", "demo")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "Resuming demo-1.0.0.tar.gz")
	mu.Lock()
	assert.Equal(t, []string{"", "bytes=" + strconv.Itoa(len(data)/2) + "-"}, ranges)
	mu.Unlock()
	entries, err := os.ReadDir(filepath.Join(g.home, "tmp"))
	require.NoError(t, err)
	assert.Empty(t, entries)
}
