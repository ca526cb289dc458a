package install

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gohub/gohub/hub/internal/fixture"
	"github.com/gohub/gohub/hub/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lacLiteDir writes a miniature Paddle-Lite LAC directory: a model.nb (not a real model; the
// installer only warns that it cannot read its inputs) and the three dictionaries.
func lacLiteDir(t *testing.T, program string) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "model.nb"), []byte(program), 0o644))
	for name, body := range fixture.LACDicts {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
	return dir
}

func modelNames(m *store.Manifest) []string {
	var names []string
	for _, mo := range m.Models {
		names = append(names, mo.Name)
	}
	return names
}

func TestLACLiteAloneMakesTheLACModule(t *testing.T) {
	in, _ := newInstaller(t)
	res, err := in.Install(testCtx, lacLiteDir(t, "lite program"))
	require.NoError(t, err)
	m := res.Module.Manifest
	assert.Equal(t, "lac", m.Name)
	assert.Equal(t, store.KindLexicalAnalysis, m.Kind)
	require.Equal(t, []string{"lite"}, modelNames(m))
	assert.Equal(t, "model/lite/model.nb", m.Models[0].Program)
	assert.Empty(t, m.Models[0].Params, "a .nb program carries its parameters")
	assert.Equal(t, "assets/lite/tag.dic", m.Models[0].Assets[store.AssetTagDict])
	require.NoError(t, store.VerifyModule(res.Module.Dir, m))
	assert.Equal(t, "lite program", fixture.Tree(t, res.Module.Dir)["model/lite/model.nb"])
}

func TestLACLiteJoinsTheInstalledPackage(t *testing.T) {
	in, _ := newInstaller(t)
	pkg := fixture.WriteTarGz(t, filepath.Join(t.TempDir(), "LAC-2.1.2.tar.gz"), fixture.Entries(fixture.LACPackageFiles("LAC-2.1.2/", false)))
	_, err := in.Install(testCtx, pkg)
	require.NoError(t, err)

	res, err := in.Install(testCtx, lacLiteDir(t, "lite v1"))
	require.NoError(t, err)
	m := res.Module.Manifest
	assert.Equal(t, "2.1.2", m.Version, "the installed module keeps its identity")
	assert.Equal(t, "LAC-2.1.2.tar.gz", m.Source)
	assert.Equal(t, []string{"lac", "seg", "lite"}, modelNames(m), "the full model stays the default")
	require.NoError(t, store.VerifyModule(res.Module.Dir, m))
	files := fixture.Tree(t, res.Module.Dir)
	assert.Equal(t, "not a real program lac_model", files["model/lac/__model__"])
	assert.Equal(t, "lite v1", files["model/lite/model.nb"])

	// A newer lite model replaces the old one and nothing else.
	res, err = in.Install(testCtx, lacLiteDir(t, "lite v2"))
	require.NoError(t, err)
	assert.Equal(t, []string{"lac", "seg", "lite"}, modelNames(res.Module.Manifest))
	assert.Equal(t, "lite v2", fixture.Tree(t, res.Module.Dir)["model/lite/model.nb"])

	// Reinstalling the package keeps the lite model, after the package's own.
	in.Force = true
	res, err = in.Install(testCtx, pkg)
	require.NoError(t, err)
	assert.Equal(t, []string{"lac", "seg", "lite"}, modelNames(res.Module.Manifest))
	require.NoError(t, store.VerifyModule(res.Module.Dir, res.Module.Manifest))
	assert.Equal(t, "lite v2", fixture.Tree(t, res.Module.Dir)["model/lite/model.nb"])
}

func TestLACLiteRefusesToCarryADamagedModule(t *testing.T) {
	in, _ := newInstaller(t)
	pkg := fixture.WriteTarGz(t, filepath.Join(t.TempDir(), "LAC-2.1.2.tar.gz"), fixture.Entries(fixture.LACPackageFiles("LAC-2.1.2/", false)))
	res, err := in.Install(testCtx, pkg)
	require.NoError(t, err)
	damaged := filepath.Join(res.Module.Dir, "model", "seg", "fc_0.w_0")
	require.NoError(t, os.WriteFile(damaged, []byte("changed"), 0o644))
	before := fixture.Tree(t, res.Module.Dir)

	_, err = in.Install(testCtx, lacLiteDir(t, "lite"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "gohub uninstall lac")
	assert.Equal(t, before, fixture.Tree(t, res.Module.Dir), "the store is unchanged")
}
