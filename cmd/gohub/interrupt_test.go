package main

import (
	"archive/tar"
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/hub/store"
	"github.com/gohub/gohub/internal/shared"
)

// These tests stop the built binary in the middle of its work, with SIGINT or SIGTERM (which
// gohub handles) or SIGKILL (which it cannot), and check that the store and the inputs are
// as they were. They wait for evidence that the work is under way (a request reaching the
// server, a line of output, a staging directory) rather than for a fixed time.

// waitTimeout bounds every wait for the binary; reaching it fails the test instead of
// hanging it.
const waitTimeout = 20 * time.Second

// treeHashes lists the files and directories under dir by slash-separated relative path:
// a file's SHA-256, "dir" for a directory, "link -> target" for a symbolic link. It is
// empty when dir does not exist.
func treeHashes(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if os.IsNotExist(err) && path == dir {
			return filepath.SkipAll
		}
		if err != nil || path == dir {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch {
		case d.IsDir():
			out[rel] = "dir"
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(path)
			if err != nil {
				return err
			}
			out[rel] = "link -> " + target
		default:
			out[rel] = fileHash(t, path)
		}
		return nil
	})
	require.NoError(t, err)
	return out
}

func fileHash(t *testing.T, path string) string {
	t.Helper()
	sum, err := store.SHA256File(path)
	require.NoError(t, err)
	return sum
}

// storeState is what a user sees of a store: its modules' files and `gohub list`.
type storeState struct {
	modules map[string]string
	list    string
}

func (g *binRunner) storeState() storeState {
	g.t.Helper()
	r := g.run("list", "--format", "json")
	require.Equal(g.t, 0, r.code, r.stderr)
	return storeState{modules: treeHashes(g.t, filepath.Join(g.home, "modules")), list: r.stdout}
}

// assertNoStaging checks that tmp/, where installs stage modules, holds nothing.
func (g *binRunner) assertNoStaging() {
	g.t.Helper()
	assert.Empty(g.t, treeHashes(g.t, filepath.Join(g.home, "tmp")), "nothing staged is left behind")
}

// lineWatcher collects a stream of the binary's output and closes seen at the first line
// that contains want.
type lineWatcher struct {
	mu   sync.Mutex
	text strings.Builder
	seen chan struct{}
	done chan struct{} // closed when the stream ends
}

func watchLines(r io.Reader, want string) *lineWatcher {
	w := &lineWatcher{seen: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		br := bufio.NewReader(r)
		seen := false
		for {
			line, err := br.ReadString('\n')
			w.mu.Lock()
			w.text.WriteString(line)
			w.mu.Unlock()
			if !seen && strings.HasSuffix(line, "\n") && strings.Contains(line, want) {
				seen = true
				close(w.seen)
			}
			if err != nil {
				return
			}
		}
	}()
	return w
}

func (w *lineWatcher) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.text.String()
}

// await waits for ch to close, failing the test (and killing cmd) after waitTimeout.
func await(t *testing.T, cmd *exec.Cmd, ch <-chan struct{}, what string, output ...*lineWatcher) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(waitTimeout):
		cmd.Process.Kill()
		var seen []string
		for _, w := range output {
			seen = append(seen, w.String())
		}
		t.Fatalf("gave up waiting for %s; output so far: %q", what, seen)
	}
}

// wait waits for cmd to exit and returns its exit status; -1 if a signal killed it.
func wait(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err == nil {
			return 0
		}
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit)
		return exit.ExitCode()
	case <-time.After(waitTimeout):
		cmd.Process.Kill()
		<-exited
		t.Fatalf("gohub did not exit within %v of the signal", waitTimeout)
		return 0
	}
}

// stopSignals are the signals gohub handles, with the exit status and name it reports.
var stopSignals = []struct {
	sig  syscall.Signal
	code int
	name string
}{
	{syscall.SIGINT, 130, "SIGINT"},
	{syscall.SIGTERM, 143, "SIGTERM"},
}

// TestInterruptedDownloadInstall stops `gohub install NAME==VERSION` with SIGINT and
// SIGTERM while the server trickles the archive (half of it, then nothing): gohub exits
// 128+N saying it was interrupted and where the download stopped, the installed version of
// the module and the store's listing are as before, and no staging directory is left. The
// partial download stays in cache/, by design: the next install resumes it, as
// TestKilledInstallResumes checks.
func TestInterruptedDownloadInstall(t *testing.T) {
	for _, s := range stopSignals {
		t.Run(s.name, func(t *testing.T) {
			g := newRunner(t)
			r := g.run("install", "--force", writeTarGz(t, filepath.Join(t.TempDir(), "demo-1.0.0.tar.gz"), moduleFiles("demo/", "demo", "1.0.0")))
			require.Equal(t, 0, r.code, r.stderr)

			dir := t.TempDir()
			files := moduleFiles("demo/", "demo", "2.0.0")
			files["demo/model/m.pdiparams"] = strings.Repeat("0123456789abcdef", 1<<14)
			archive := writeTarGz(t, filepath.Join(dir, "demo-2.0.0.tar.gz"), files)
			require.Equal(t, 0, g.run("index", "build", dir).code)
			data, err := os.ReadFile(archive)
			require.NoError(t, err)

			requested := make(chan struct{})
			var once sync.Once
			var mu sync.Mutex
			requests := 0
			index := http.FileServer(http.Dir(dir))
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/demo-2.0.0.tar.gz" {
					index.ServeHTTP(w, r)
					return
				}
				mu.Lock()
				requests++
				mu.Unlock()
				w.Header().Set("Content-Length", strconv.Itoa(len(data)))
				w.Write(data[:len(data)/2])
				http.NewResponseController(w).Flush()
				once.Do(func() { close(requested) })
				<-r.Context().Done()
			}))
			defer srv.Close()
			g.env["GOHUB_SERVER"] = srv.URL + "/index.json"
			g.env["GOHUB_TIMEOUT"] = "30s" // only the signal may end the stalled download

			before := g.storeState()
			cmd := g.command("install", "--force", "demo==2.0.0")
			stderr, err := cmd.StderrPipe()
			require.NoError(t, err)
			require.NoError(t, cmd.Start())
			out := watchLines(stderr, "Downloading demo-2.0.0.tar.gz")
			await(t, cmd, requested, "the archive's request", out)
			await(t, cmd, out.seen, "the download to start", out)
			require.NoError(t, cmd.Process.Signal(s.sig))
			await(t, cmd, out.done, "the end of stderr", out)
			code := wait(t, cmd)
			t.Log(out.String())

			assert.Equal(t, s.code, code, out.String())
			assert.Contains(t, out.String(), "gohub: interrupted by "+s.name+"\n")
			assert.Contains(t, out.String(), "demo-2.0.0.tar.gz stopped at")
			assert.NotContains(t, out.String(), "connection dropped", "the user stopped it")
			assert.Equal(t, before, g.storeState(), "the store is as it was")
			parts, err := filepath.Glob(filepath.Join(g.home, "cache", "downloads", "*.part"))
			require.NoError(t, err)
			assert.Len(t, parts, 1, "the partial download is kept for the next install to resume")
			g.assertNoStaging()
			assert.Equal(t, hexSHA256(data), fileHash(t, archive), "the served archive is untouched")
			mu.Lock()
			assert.Equal(t, 1, requests, "no retry once interrupted")
			mu.Unlock()
		})
	}
}

func hexSHA256(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// TestInterruptedInstallWaitingForLock stops the install of a new version from a local
// archive while it waits for another process's store lock: it gives up at once, exits
// 128+N, and changes neither the store (the old version stays) nor the archive.
func TestInterruptedInstallWaitingForLock(t *testing.T) {
	for _, s := range stopSignals {
		t.Run(s.name, func(t *testing.T) {
			g := newRunner(t)
			r := g.run("install", "--force", writeTarGz(t, filepath.Join(t.TempDir(), "demo-1.0.0.tar.gz"), moduleFiles("demo/", "demo", "1.0.0")))
			require.Equal(t, 0, r.code, r.stderr)
			archive := writeTarGz(t, filepath.Join(t.TempDir(), "demo-2.0.0.tar.gz"), moduleFiles("demo/", "demo", "2.0.0"))
			sum := fileHash(t, archive)
			before := g.storeState()

			lock, err := store.Home{Root: g.home}.Lock(context.Background(), nil)
			require.NoError(t, err)
			defer lock.Unlock()
			cmd := g.command("install", "--force", archive)
			stderr, err := cmd.StderrPipe()
			require.NoError(t, err)
			require.NoError(t, cmd.Start())
			out := watchLines(stderr, "Waiting for another gohub process")
			await(t, cmd, out.seen, "gohub to wait for the lock", out)
			require.NoError(t, cmd.Process.Signal(s.sig))
			await(t, cmd, out.done, "the end of stderr", out)
			code := wait(t, cmd)
			t.Log(out.String())

			assert.Equal(t, s.code, code, out.String())
			assert.Contains(t, out.String(), "gohub: interrupted by "+s.name+"\n")
			assert.Contains(t, out.String(), "store lock")
			lock.Unlock()
			assert.Equal(t, before, g.storeState())
			g.assertNoStaging()
			assert.Equal(t, sum, fileHash(t, archive), "the archive is untouched")
		})
	}
}

// installShuffleNet installs the shared ShuffleNetV2 model directory with the binary, or
// skips the test.
func installShuffleNet(t *testing.T, g *binRunner) (src string) {
	t.Helper()
	src, err := shared.Path("models", "shufflenet_v2_imagenet")
	if err != nil {
		t.Skipf("shared ShuffleNetV2 model absent: %v", err)
	}
	r := g.run("install", src)
	require.Equal(t, 0, r.code, r.stderr)
	return src
}

// TestInterruptedRun stops `gohub run` over a long list of pictures once the first result
// is out: it stops between batches, exits 128+N saying how far it got, every result it
// printed is whole, and neither the store nor the pictures and the list have changed.
func TestInterruptedRun(t *testing.T) {
	g := newRunner(t)
	installShuffleNet(t, g)
	cat, err := shared.Path("data", "images", "pld_tabby_cat.jpg")
	if err != nil {
		t.Skipf("shared cat image absent: %v", err)
	}
	inputs := t.TempDir()
	data, err := os.ReadFile(cat)
	require.NoError(t, err)
	picture := filepath.Join(inputs, "cat.jpg")
	require.NoError(t, os.WriteFile(picture, data, 0o644))
	// About 15 ms a picture: the run would take half a minute; the signal comes long before.
	const n = 2000
	list := filepath.Join(inputs, "list.txt")
	require.NoError(t, os.WriteFile(list, []byte(strings.Repeat(picture+"\n", n)), 0o644))
	inputsBefore := treeHashes(t, inputs)
	before := g.storeState()

	for _, s := range stopSignals {
		t.Run(s.name, func(t *testing.T) {
			cmd := g.command("run", "shufflenet_v2_imagenet", "--input_file", list)
			stdout, err := cmd.StdoutPipe()
			require.NoError(t, err)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			require.NoError(t, cmd.Start())
			out := watchLines(stdout, picture+": ")
			await(t, cmd, out.seen, "the first result", out)
			require.NoError(t, cmd.Process.Signal(s.sig))
			await(t, cmd, out.done, "the end of stdout", out)
			code := wait(t, cmd)
			t.Log(stderr.String())

			assert.Equal(t, s.code, code, stderr.String())
			assert.Contains(t, stderr.String(), "gohub: interrupted by "+s.name+"\n")
			m := regexp.MustCompile(`gohub run: stopped after (\d+) of 2000 pictures`).FindStringSubmatch(stderr.String())
			require.NotNil(t, m, stderr.String())
			done, _ := strconv.Atoi(m[1])
			assert.Less(t, done, n)
			lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			assert.Len(t, lines, done, "one whole result for each picture it says it did")
			for _, l := range lines {
				assert.Regexp(t, `^`+regexp.QuoteMeta(picture)+`: \S.* \(0\.\d{4}\)$`, l)
			}
			assert.NotContains(t, stderr.String(), "panic")

			assert.Equal(t, before, g.storeState())
			g.assertNoStaging()
			assert.Equal(t, inputsBefore, treeHashes(t, inputs), "the pictures and the list are untouched")
		})
	}
}

// TestKilledInstallDuringExtraction SIGKILLs `gohub install` of a new version while it
// unpacks a large archive into its staging directory. The store still holds the old
// version, whole; the next install cleans the abandoned staging directory (Home.Recover,
// under the store lock) and installs the new version; `gohub list` shows it.
func TestKilledInstallDuringExtraction(t *testing.T) {
	g := newRunner(t)
	r := g.run("install", "--force", writeTarGz(t, filepath.Join(t.TempDir(), "demo-1.0.0.tar.gz"), moduleFiles("demo/", "demo", "1.0.0")))
	require.Equal(t, 0, r.code, r.stderr)
	before := g.storeState()

	// 64 MiB of parameters take a while to unpack and hash, however fast the machine. A plain
	// tar: compressing them would take seconds under the race detector.
	files := moduleFiles("demo/", "demo", "2.0.0")
	files["demo/model/m.pdiparams"] = strings.Repeat("\x00", 64<<20)
	archive := writeTar(t, filepath.Join(t.TempDir(), "demo-2.0.0.tar"), files)
	sum := fileHash(t, archive)

	cmd := g.command("install", "--force", archive)
	require.NoError(t, cmd.Start())
	staged := make(chan struct{})
	go func() {
		defer close(staged)
		for deadline := time.Now().Add(waitTimeout); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			if m, _ := filepath.Glob(filepath.Join(g.home, "tmp", "install-*", "extracted", "demo", "model", "m.pdiparams")); len(m) > 0 {
				return
			}
		}
	}()
	await(t, cmd, staged, "the archive's unpacking")
	require.NoError(t, cmd.Process.Kill())
	assert.Equal(t, -1, wait(t, cmd), "SIGKILL ends it; no handler runs")

	left := treeHashes(t, filepath.Join(g.home, "tmp"))
	t.Logf("left in tmp/ by the kill: %v", slices.Sorted(maps.Keys(left)))
	require.NotEmpty(t, left, "killed before its staging directory was cleaned")
	assert.Equal(t, before, g.storeState(), "the old version is installed, whole")

	r = g.run("install", "--force", archive)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Successfully installed demo-2.0.0, replacing 1.0.0")
	g.assertNoStaging()
	r = g.run("list")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `demo\s+2\.0\.0\s+image_classification`, r.stdout)
	assert.Empty(t, r.stderr, "no invalid module directories")
	dir := filepath.Join(g.home, "modules", "demo")
	m, err := store.LoadManifest(dir)
	require.NoError(t, err)
	assert.NoError(t, store.VerifyModule(dir, m), "the installed files are the archive's")
	assert.Equal(t, sum, fileHash(t, archive), "the archive is untouched")
}

// writeTar writes files into an uncompressed .tar at path.
func writeTar(t *testing.T, path string, files map[string]string) string {
	t.Helper()
	names := slices.Sorted(maps.Keys(files))
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	tw := tar.NewWriter(f)
	for _, n := range names {
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(files[n])), Typeflag: tar.TypeReg}))
		_, err := io.WriteString(tw, files[n])
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	return path
}

// TestInterruptedTextRun runs `gohub run` on a text file in process with a context that a
// SIGINT has already cancelled, as main's is: the run stops before its first batch, says
// so and exits 130, and prints no partial results.
func TestInterruptedTextRun(t *testing.T) {
	segHome(t)
	file := writeInput(t, "in.txt", strings.Repeat("我爱北京\n", 23))
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(&interruptedError{sig: os.Interrupt})
	var out, errOut strings.Builder
	code := run(ctx, []string{"gohub", "run", "lac", "--mode", "seg", "--input_file", file, "--batch_size", "2"}, &out, &errOut)
	assert.Equal(t, 130, code, errOut.String())
	assert.Equal(t, "gohub: interrupted by SIGINT\ngohub run: stopped after 0 lines of "+file+"\n", errOut.String())
	assert.Empty(t, out.String())
}
