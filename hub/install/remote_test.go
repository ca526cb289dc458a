package install

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/gohub/gohub/hub/internal/fixture"
	"github.com/gohub/gohub/hub/progress"
	"github.com/gohub/gohub/hub/source"
	"github.com/gohub/gohub/hub/store"
	"github.com/gohub/gohub/internal/settings"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSearchUsesCacheWhenOffline(t *testing.T) {
	srv := newTestServer(t)
	_, data := srv.addArchive("lac.tar.gz", fixture.ModuleFiles("lac/", "lac", "2.2.0"))
	srv.phModule("lac", "2.2.0", "lac.tar.gz", data)
	srv.phModule("resnet_v2_50_imagenet", "1.0.1", "resnet.tar.gz", data)
	in, _ := newInstaller(t, srv.URL)

	l, err := in.Search(testCtx, "LAC")
	require.NoError(t, err)
	require.Len(t, l.Entries, 1)
	assert.Equal(t, "lac", l.Entries[0].Name)
	assert.Empty(t, l.Notes)

	l, err = in.Remote(testCtx)
	require.NoError(t, err)
	assert.Len(t, l.Entries, 2)

	// The server goes away: the cached listing answers, with a note saying so.
	srv.hang["/search"] = true
	l, err = in.Search(testCtx, "^res")
	require.NoError(t, err)
	require.Len(t, l.Entries, 1)
	assert.Equal(t, "resnet_v2_50_imagenet", l.Entries[0].Name)
	require.Len(t, l.Notes, 1)
	assert.Contains(t, l.Notes[0], "showing its index cached on")

	// An install still finds the archive's URL in the cache.
	_, err = in.Install(testCtx, "lac")
	require.NoError(t, err)

	// Nothing cached and nothing reachable: an error that says what to do.
	in2, _ := newInstaller(t, closedURL(t))
	_, err = in2.Search(testCtx, "lac")
	var nse *NoSourceError
	require.ErrorAs(t, err, &nse)
	assert.Contains(t, err.Error(), "gohub config set server")
}

func TestBuildIndexServesAllLayouts(t *testing.T) {
	dir := t.TempDir()
	fixture.WriteTarGz(t, filepath.Join(dir, "demo-1.0.0.tar.gz"), fixture.Entries(fixture.ModuleFiles("demo/", "demo", "1.0.0")))
	fixture.WriteTarGz(t, filepath.Join(dir, "LAC-2.1.2.tar.gz"), fixture.Entries(fixture.LACPackageFiles("LAC-2.1.2/", false)))
	fixture.WriteZip(t, filepath.Join(dir, "LAC-2.1.2-py3-none-any.whl"), fixture.Entries(fixture.LACPackageFiles("", true)))
	fixture.WriteTarGz(t, filepath.Join(dir, "resnet_v2_50_imagenet.hub_module-1.0.1.tar.gz"), fixture.Entries(map[string]string{
		"resnet_v2_50_imagenet/module_desc.pb":        string(fixture.ModuleDescPB("resnet_v2_50_imagenet", "1.0.1")),
		"resnet_v2_50_imagenet/model/__model__":       "program",
		"resnet_v2_50_imagenet/assets/label_list.txt": "tench\n",
	}))
	fixture.WriteTarGz(t, filepath.Join(dir, "junk.tar.gz"), fixture.Entries(map[string]string{"x": "y"}))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("ignored"), 0o644))

	log := &syncBuffer{}
	idx, err := BuildIndex(dir, progress.Lines(log))
	require.NoError(t, err)
	assert.Contains(t, log.String(), "skipping junk.tar.gz")
	var names []string
	for _, e := range idx.Modules {
		names = append(names, e.Name+"=="+e.Version+" "+e.URL)
		sha, err := store.SHA256File(filepath.Join(dir, e.URL))
		require.NoError(t, err)
		assert.Equal(t, sha, e.SHA256)
	}
	assert.ElementsMatch(t, []string{"demo==1.0.0 demo-1.0.0.tar.gz", "lac==2.1.2 LAC-2.1.2.tar.gz",
		"lac==2.1.2 LAC-2.1.2-py3-none-any.whl", "resnet_v2_50_imagenet==1.0.1 resnet_v2_50_imagenet.hub_module-1.0.1.tar.gz"}, names)

	data, err := os.ReadFile(filepath.Join(dir, source.IndexFile))
	require.NoError(t, err)
	var onDisk source.Index
	require.NoError(t, json.Unmarshal(data, &onDisk))
	assert.Equal(t, source.IndexFormat, onDisk.Format)

	// Any web server can host the folder.
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()
	in, log2 := newInstaller(t, srv.URL+"/"+source.IndexFile)
	for _, name := range []string{"demo", "lac", "resnet_v2_50_imagenet"} {
		res, err := in.Install(testCtx, name)
		require.NoError(t, err, log2.String())
		assert.Equal(t, name, res.Module.Manifest.Name)
	}
}

// TestInstallRealLACPackage imports the real LAC sdist when GOHUB_LAC_SDIST names it
// (e.g. the file `pip download --no-deps lac` writes).
func TestInstallRealLACPackage(t *testing.T) {
	sdist := settings.LACSdist.Value()
	if sdist == "" {
		t.Skip("set GOHUB_LAC_SDIST to a LAC-*.tar.gz to run")
	}
	in, log := newInstaller(t)
	res, err := in.Install(testCtx, sdist)
	require.NoError(t, err, log.String())
	m := res.Module.Manifest
	assert.Equal(t, []string{"lac", "seg"}, m.ModelNames())
	for _, mo := range m.Models {
		assert.NotEmpty(t, mo.Inputs, "inputs read from the program of %s", mo.Name)
		assert.NotEmpty(t, mo.Outputs, "outputs read from the program of %s", mo.Name)
	}
	require.NoError(t, store.VerifyModule(res.Module.Dir, m))
}
