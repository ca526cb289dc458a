package install

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gohub/gohub/hub/internal/fixture"
	"github.com/gohub/gohub/hub/source"
	"github.com/gohub/gohub/hub/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testCtx = context.Background()

func TestInstallFromStaticIndex(t *testing.T) {
	srv := newTestServer(t)
	for _, v := range []string{"1.0.0", "2.0.0"} {
		_, data := srv.addArchive("demo-"+v+".tar.gz", fixture.ModuleFiles("demo/", "demo", v))
		srv.indexModule("demo", v, "demo-"+v+".tar.gz", data)
	}
	in, log := newInstaller(t, srv.URL+"/index.json")

	res, err := in.Install(testCtx, "demo")
	require.NoError(t, err, log.String())
	assert.Equal(t, "2.0.0", res.Module.Manifest.Version, "the latest version by default")
	assert.Equal(t, filepath.Join(in.Home.ModulesDir(), "demo"), res.Module.Dir)
	installed, err := in.Home.Lookup("demo")
	require.NoError(t, err)
	assert.Equal(t, srv.URL+"/files/demo-2.0.0.tar.gz", installed.Manifest.Source)
	require.NoError(t, store.VerifyModule(installed.Dir, installed.Manifest))
	assert.Len(t, installed.Manifest.Checksums, 3)
	assert.Equal(t, "program 2.0.0", fixture.Tree(t, installed.Dir)["model/inference.pdmodel"])

	res, err = in.Install(testCtx, "demo")
	require.NoError(t, err)
	assert.True(t, res.Already)

	res, err = in.Install(testCtx, "demo==1.0.0")
	require.NoError(t, err)
	assert.Equal(t, "2.0.0", res.Replaced)
	assert.Equal(t, "program 1.0.0", fixture.Tree(t, res.Module.Dir)["model/inference.pdmodel"])

	_, err = in.Install(testCtx, "demo==3.0.0")
	require.ErrorIs(t, err, source.ErrNotFound)
	assert.Contains(t, err.Error(), "available: 1.0.0, 2.0.0")

	assert.Empty(t, fixture.Tree(t, in.Home.TmpDir()), "no staging left behind")
	assert.Empty(t, fixture.Tree(t, filepath.Join(in.Home.CacheDir(), "downloads")), "downloads are removed once installed")
}

func TestInstallFromPaddleHubServer(t *testing.T) {
	srv := newTestServer(t)
	_, data := srv.addArchive("resnet_v2_50_imagenet.hub_module-1.0.1.tar.gz", map[string]string{
		"resnet_v2_50_imagenet/module_desc.pb":        string(fixture.ModuleDescPB("resnet_v2_50_imagenet", "1.0.1")),
		"resnet_v2_50_imagenet/model/__model__":       "program",
		"resnet_v2_50_imagenet/assets/label_list.txt": "tench\n",
	})
	srv.phModule("resnet_v2_50_imagenet", "1.0.1", "resnet_v2_50_imagenet.hub_module-1.0.1.tar.gz", data)
	in, log := newInstaller(t, srv.URL)

	res, err := in.Install(testCtx, "resnet_v2_50_imagenet")
	require.NoError(t, err, log.String())
	assert.Equal(t, store.KindImageClassification, res.Module.Manifest.Kind)
	search := srv.log()[0]
	assert.Contains(t, search, "/search?")
	assert.Contains(t, search, "word=resnet_v2_50_imagenet")
	assert.Contains(t, search, "hub_version=")

	_, err = in.Install(testCtx, "resnet_v2_50_imagenet==9.9.9")
	require.ErrorIs(t, err, source.ErrNotFound)
	assert.Contains(t, err.Error(), "available: 1.0.1", "the versions come from /info")
}

func TestInstallResumesDroppedConnection(t *testing.T) {
	srv := newTestServer(t)
	fs := fixture.ModuleFiles("demo/", "demo", "1.0.0")
	fs["demo/model/inference.pdiparams"] = strings.Repeat("weights ", 50000) // big enough to cut
	path, data := srv.addArchive("demo.tar.gz", fs)
	srv.indexModule("demo", "1.0.0", "demo.tar.gz", data)
	srv.drop[path] = len(data) / 2
	in, log := newInstaller(t, srv.URL+"/index.json")

	_, err := in.Install(testCtx, "demo")
	require.NoError(t, err, log.String())
	assert.Contains(t, log.String(), "dropped")
	assert.Contains(t, srv.log(), "GET "+path+" bytes="+strconv.Itoa(len(data)/2)+"-", "the second request resumes")
}

func TestInstallDirectoryAndArchive(t *testing.T) {
	in, _ := newInstaller(t)
	src := t.TempDir()
	for name, body := range fixture.ModuleFiles("", "mine", "0.1.0") {
		p := filepath.Join(src, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	res, err := in.Install(testCtx, src)
	require.NoError(t, err)
	assert.Equal(t, "mine", res.Module.Manifest.Name)
	assert.FileExists(t, filepath.Join(src, store.ManifestFile), "a directory is copied, not moved")

	archive := fixture.WriteTarGz(t, filepath.Join(t.TempDir(), "LAC-2.1.2.tar.gz"), fixture.Entries(fixture.LACPackageFiles("LAC-2.1.2/", false)))
	res, err = in.Install(testCtx, archive)
	require.NoError(t, err)
	assert.Equal(t, "lac", res.Module.Manifest.Name)
	assert.Equal(t, "LAC-2.1.2.tar.gz", res.Module.Manifest.Source)

	mods, bad, err := in.Home.List()
	require.NoError(t, err)
	assert.Empty(t, bad)
	require.Len(t, mods, 2)
	assert.Equal(t, "lac", mods[0].Manifest.Name)

	require.NoError(t, in.Home.Uninstall(testCtx, "mine", nil))
	_, err = in.Home.Lookup("mine")
	assert.ErrorIs(t, err, store.ErrNotInstalled)
	assert.ErrorIs(t, in.Home.Uninstall(testCtx, "mine", nil), store.ErrNotInstalled)
}

func TestInstallConcurrently(t *testing.T) {
	srv := newTestServer(t)
	for _, name := range []string{"alpha", "beta"} {
		_, data := srv.addArchive(name+".tar.gz", fixture.ModuleFiles(name+"/", name, "1.0.0"))
		srv.indexModule(name, "1.0.0", name+".tar.gz", data)
	}
	home := store.Home{Root: t.TempDir()}
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Go(func() {
			in := &Installer{Home: home, Servers: []string{srv.URL + "/index.json"}, Force: true, Timeout: source.DefaultTimeout}
			_, errs[i] = in.Install(testCtx, []string{"alpha", "beta"}[i%2])
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	mods, bad, err := home.List()
	require.NoError(t, err)
	assert.Empty(t, bad)
	require.Len(t, mods, 2)
	for _, m := range mods {
		require.NoError(t, store.VerifyModule(m.Dir, m.Manifest))
	}
	assert.Empty(t, fixture.Tree(t, home.TmpDir()))
}

func TestRecoverAfterKilledInstall(t *testing.T) {
	h := store.Home{Root: t.TempDir()}
	require.NoError(t, h.Ensure())
	// A killed install left a staging directory, and a killed swap left the old module
	// parked without its replacement.
	require.NoError(t, os.MkdirAll(filepath.Join(h.TmpDir(), "install-123", "module", "model"), 0o755))
	parked := filepath.Join(h.TmpDir(), store.OldPrefix+"lac")
	require.NoError(t, os.MkdirAll(parked, 0o755))
	parkedModule, err := store.ParseManifest([]byte(fixture.ModuleFiles("lac/", "lac", "1.0.0")["lac/module.yaml"]))
	require.NoError(t, err)
	require.NoError(t, parkedModule.Save(parked))

	in := &Installer{Home: h}
	_, err = in.Install(testCtx, fixture.WriteTarGz(t, filepath.Join(t.TempDir(), "m.tar.gz"), fixture.Entries(fixture.ModuleFiles("m/", "m", "1.0.0"))))
	require.NoError(t, err)
	_, err = h.Lookup("lac")
	assert.NoError(t, err, "the parked module is restored")
	entries, err := os.ReadDir(h.TmpDir())
	require.NoError(t, err)
	assert.Empty(t, entries)
}
