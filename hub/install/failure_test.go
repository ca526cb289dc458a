package install

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gohub/gohub/hub/importer"
	"github.com/gohub/gohub/hub/internal/fixture"
	"github.com/gohub/gohub/hub/source"
	"github.com/gohub/gohub/hub/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestInstallFailuresLeaveStoreUnchanged breaks the server or the archive in every way
// the issue lists and checks the message and that the store is exactly as before.
func TestInstallFailuresLeaveStoreUnchanged(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(s *testServer)
		want  []string // substrings of the error
		check func(t *testing.T, err error)
	}{
		{
			name: "bad checksum",
			setup: func(s *testServer) {
				_, data := s.addArchive("demo.tar.gz", fixture.ModuleFiles("demo/", "demo", "2.0.0"))
				s.indexModule("demo", "2.0.0", "demo.tar.gz", append(data, 'x'))
			},
			want:  []string{"sha256 mismatch for demo.tar.gz", "nothing was installed"},
			check: func(t *testing.T, err error) { var c *store.ChecksumError; assert.ErrorAs(t, err, &c) },
		},
		{
			name: "traversal archive",
			setup: func(s *testServer) {
				fs := fixture.ModuleFiles("demo/", "demo", "2.0.0")
				fs["demo/../../../escaped.txt"] = "gotcha"
				_, data := s.addArchive("demo.tar.gz", fs)
				s.indexModule("demo", "2.0.0", "demo.tar.gz", data)
			},
			want:  []string{"refusing archive demo.tar.gz", "climbs out"},
			check: func(t *testing.T, err error) { var u *importer.UnsafeArchiveError; assert.ErrorAs(t, err, &u) },
		},
		{
			name: "archive answers 500",
			setup: func(s *testServer) {
				path, data := s.addArchive("demo.tar.gz", fixture.ModuleFiles("demo/", "demo", "2.0.0"))
				s.indexModule("demo", "2.0.0", "demo.tar.gz", data)
				s.status[path] = http.StatusInternalServerError
			},
			want: []string{"demo.tar.gz answered 500 Internal Server Error"},
		},
		{
			name: "archive answers 404",
			setup: func(s *testServer) {
				s.indexModule("demo", "2.0.0", "demo.tar.gz", []byte("gone"))
			},
			want: []string{"demo.tar.gz answered 404 Not Found"},
		},
		{
			name:  "index answers 404",
			setup: func(s *testServer) { s.status["/index.json"] = http.StatusNotFound },
			want:  []string{"index.json answered 404 Not Found"},
		},
		{
			name:  "index never answers",
			setup: func(s *testServer) { s.hang["/index.json"] = true },
			want:  []string{"cannot reach", "no answer within 300ms", "Check the network"},
			check: func(t *testing.T, err error) { var u *source.UnreachableError; assert.ErrorAs(t, err, &u) },
		},
		{
			name: "archive never answers",
			setup: func(s *testServer) {
				path, data := s.addArchive("demo.tar.gz", fixture.ModuleFiles("demo/", "demo", "2.0.0"))
				s.indexModule("demo", "2.0.0", "demo.tar.gz", data)
				s.hang[path] = true
			},
			want: []string{"cannot reach", "demo.tar.gz"},
		},
		{
			name: "archive is not a module",
			setup: func(s *testServer) {
				_, data := s.addArchive("demo.tar.gz", map[string]string{"README": "hello"})
				s.indexModule("demo", "2.0.0", "demo.tar.gz", data)
			},
			want: []string{"is not a module"},
		},
		{
			name: "archive holds another module",
			setup: func(s *testServer) {
				_, data := s.addArchive("demo.tar.gz", fixture.ModuleFiles("other/", "other", "2.0.0"))
				s.indexModule("demo", "2.0.0", "demo.tar.gz", data)
			},
			want: []string{"holds module other instead"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newTestServer(t)
			tc.setup(srv)
			in, log := newInstaller(t, srv.URL+"/index.json")
			// The store holds demo 1.0.0; a failed upgrade must leave it exactly so.
			_, err := in.Install(testCtx, fixture.WriteTarGz(t, filepath.Join(t.TempDir(), "demo.tar.gz"), fixture.Entries(fixture.ModuleFiles("demo/", "demo", "1.0.0"))))
			require.NoError(t, err)
			before := fixture.Tree(t, in.Home.ModulesDir())

			start := time.Now()
			_, err = in.Install(testCtx, "demo==2.0.0")
			require.Error(t, err, log.String())
			assert.Less(t, time.Since(start), 3*time.Second, "failures must be quick")
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
			var ie *InstallError
			assert.ErrorAs(t, err, &ie)
			if tc.check != nil {
				tc.check(t, err)
			}
			assert.Equal(t, before, fixture.Tree(t, in.Home.ModulesDir()), "store unchanged")
			assert.Empty(t, fixture.Tree(t, in.Home.TmpDir()), "no staging left")
			assert.NoFileExists(t, filepath.Join(in.Home.Root, "..", "escaped.txt"))
		})
	}
}

func TestInstallOfflineFailsFast(t *testing.T) {
	in, _ := newInstaller(t, closedURL(t), closedURL(t)+"/index.json")
	start := time.Now()
	_, err := in.Install(testCtx, "lac")
	require.Error(t, err)
	assert.Less(t, time.Since(start), 2*time.Second)
	assert.NotErrorIs(t, err, source.ErrNotFound, "unreachable is not 'not found'")
	msg := err.Error()
	assert.Contains(t, msg, "could not install lac from any source")
	assert.Contains(t, msg, "PaddleHub server http://127.0.0.1:")
	assert.Contains(t, msg, "connection refused")
	assert.Contains(t, msg, "gohub install ./lac.tar.gz")
}

// TestDownloadDiskFull writes the download into /dev/full, which fails every write with
// ENOSPC, by planting a link where the partial file goes.
func TestDownloadDiskFull(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	srv := newTestServer(t)
	_, data := srv.addArchive("demo.tar.gz", fixture.ModuleFiles("demo/", "demo", "1.0.0"))
	srv.indexModule("demo", "1.0.0", "demo.tar.gz", data)
	in, _ := newInstaller(t, srv.URL+"/index.json")
	d := in.downloader()
	require.NoError(t, os.MkdirAll(d.Dir, 0o755))
	part := d.PartPath(srv.URL + "/files/demo.tar.gz")
	require.NoError(t, os.Symlink("/dev/full", part))

	_, err := in.Install(testCtx, "demo")
	var full *store.DiskFullError
	require.ErrorAs(t, err, &full)
	assert.Contains(t, err.Error(), "no space left")
	assert.NoFileExists(t, part, "the partial download is removed to free space")
	assert.Empty(t, fixture.Tree(t, in.Home.ModulesDir()))
}

func TestDownloadToFolder(t *testing.T) {
	srv := newTestServer(t)
	_, data := srv.addArchive("demo-1.0.0.tar.gz", fixture.ModuleFiles("demo/", "demo", "1.0.0"))
	srv.indexModule("demo", "1.0.0", "demo-1.0.0.tar.gz", data)
	in, _ := newInstaller(t, srv.URL+"/index.json")
	out := t.TempDir()
	path, err := in.Download(testCtx, "demo", out)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(out, "demo-1.0.0.tar.gz"), path)
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, data, got)
	assert.Empty(t, fixture.Tree(t, in.Home.ModulesDir()), "download does not install")

	_, err = in.Download(testCtx, "./somewhere.tar.gz", out)
	var te *TargetError
	assert.ErrorAs(t, err, &te)
}

func TestPipFallback(t *testing.T) {
	// A stand-in for pip: writes a miniature LAC sdist into the -d folder, or fails.
	sdist := fixture.WriteTarGz(t, filepath.Join(t.TempDir(), "LAC-2.1.2.tar.gz"), fixture.Entries(fixture.LACPackageFiles("LAC-2.1.2/", false)))
	script := filepath.Join(t.TempDir(), "fakepip")
	require.NoError(t, os.WriteFile(script, []byte(`#!/bin/sh
while [ $# -gt 0 ]; do
  case "$1" in -d) dir="$2"; shift;; lac==9*) echo "ERROR: No matching distribution found for $1" >&2; exit 1;; esac
  shift
done
cp "`+sdist+`" "$dir/"
`), 0o755))

	in, log := newInstaller(t, closedURL(t))
	in.Pip = []string{script}
	res, err := in.Install(testCtx, "lac")
	require.NoError(t, err, log.String())
	assert.Equal(t, "2.1.2", res.Module.Manifest.Version)
	assert.Contains(t, res.Origin, "PyPI LAC-2.1.2.tar.gz")
	assert.Contains(t, log.String(), "Trying the next source")

	_, err = in.Install(testCtx, "lac==9.0")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "PyPI (pip download lac)")
	assert.Contains(t, err.Error(), "No matching distribution")
	_, err = in.Install(testCtx, "other")
	assert.NotContains(t, err.Error(), "PyPI", "only lac comes from PyPI")

	out := t.TempDir()
	path, err := in.Download(testCtx, "lac", out)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(out, "LAC-2.1.2.tar.gz"), path)
	assert.True(t, strings.HasSuffix(path, ".tar.gz"))
}
