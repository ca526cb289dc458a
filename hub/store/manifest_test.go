package store

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gohub/gohub/internal/settings"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func lacManifest() *Manifest {
	return &Manifest{
		Name: "lac", Version: "2.1.2", Kind: KindLexicalAnalysis,
		Summary: "Baidu's lexical analysis", Licence: "Apache-2.0",
		Models: []Model{
			{Name: "lac", Layout: LayoutDir, Dir: "model/lac",
				Assets: map[string]string{AssetWordDict: "assets/lac/word.dic"},
				Inputs: []TensorSpec{{Name: "words", DType: "int64", Shape: []int64{-1, 1}, LoDLevel: 1}}},
			{Name: "seg", Layout: LayoutFiles, Program: "model/seg/__model__", Params: "model/seg/__params__"},
		},
		Assets:      map[string]string{AssetQ2BDict: "assets/q2b.dic"},
		Preprocess:  map[string]any{"batch_size": 1},
		Checksums:   map[string]string{"assets/q2b.dic": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		Postprocess: map[string]any{"return_tag": true},
	}
}

func TestManifestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	m := lacManifest()
	require.NoError(t, m.Save(dir))
	got, err := LoadManifest(dir)
	require.NoError(t, err)
	assert.Equal(t, m.Models, got.Models)
	assert.Equal(t, m.Checksums, got.Checksums)

	seg, err := got.Model("seg")
	require.NoError(t, err)
	assert.Equal(t, "model/seg/__model__", seg.Program)
	def, err := got.Model("")
	require.NoError(t, err)
	assert.Equal(t, "lac", def.Name)
	p, ok := got.Asset(def, AssetWordDict)
	assert.True(t, ok)
	assert.Equal(t, "assets/lac/word.dic", p)
	p, ok = got.Asset(seg, AssetQ2BDict)
	assert.True(t, ok, "module-level assets apply to every model")
	assert.Equal(t, "assets/q2b.dic", p)
	_, err = got.Model("rank")
	var unknown *UnknownModelError
	assert.ErrorAs(t, err, &unknown)
}

func TestManifestValidate(t *testing.T) {
	for name, edit := range map[string]func(m *Manifest){
		"empty name":        func(m *Manifest) { m.Name = "" },
		"bad version":       func(m *Manifest) { m.Version = "../1" },
		"unknown kind":      func(m *Manifest) { m.Kind = "nlp/lexical_analysis" },
		"no models":         func(m *Manifest) { m.Models = nil },
		"duplicate model":   func(m *Manifest) { m.Models[1].Name = "lac" },
		"bad layout":        func(m *Manifest) { m.Models[0].Layout = "zip" },
		"escaping dir":      func(m *Manifest) { m.Models[0].Dir = "../other" },
		"absolute asset":    func(m *Manifest) { m.Assets[AssetQ2BDict] = "/etc/passwd" },
		"unclean asset":     func(m *Manifest) { m.Models[0].Assets[AssetWordDict] = "assets/./w.dic" },
		"missing params":    func(m *Manifest) { m.Models[1].Params = "" },
		"bad dtype":         func(m *Manifest) { m.Models[0].Inputs[0].DType = "string" },
		"bad checksum":      func(m *Manifest) { m.Checksums["assets/q2b.dic"] = "abc" },
		"escaping checksum": func(m *Manifest) { m.Checksums["../x"] = m.Checksums["assets/q2b.dic"] },
	} {
		t.Run(name, func(t *testing.T) {
			m := lacManifest()
			edit(m)
			var merr *ManifestError
			assert.ErrorAs(t, m.Validate(), &merr)
			assert.Error(t, m.Save(t.TempDir()), "Save validates")
		})
	}
}

func TestParseManifestRejectsUnknownFields(t *testing.T) {
	_, err := ParseManifest([]byte("name: lac\nversion: 1.0.0\nkind: lexical_analysis\nmodel: []\n"))
	var merr *ManifestError
	require.ErrorAs(t, err, &merr)
	assert.Contains(t, err.Error(), "model")
}

func TestModuleDir(t *testing.T) {
	h := Home{Root: t.TempDir()}
	_, err := h.ModuleDir("lac")
	assert.ErrorIs(t, err, ErrNotInstalled)
	assert.Contains(t, err.Error(), "gohub install lac")
	_, err = h.ModuleDir("../etc")
	assert.ErrorIs(t, err, ErrNotInstalled)

	require.NoError(t, h.Ensure())
	dir := filepath.Join(h.ModulesDir(), "lac")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, lacManifest().Save(dir))
	got, err := h.ModuleDir("lac")
	require.NoError(t, err)
	assert.Equal(t, dir, got)

	t.Setenv(settings.Home.Name, h.Root)
	got, err = ModuleDir("lac")
	require.NoError(t, err)
	assert.Equal(t, dir, got)
}

// A kind registered to run (kind.Register calls AcceptKind) is a kind manifests may declare.
func TestAcceptKind(t *testing.T) {
	m := lacManifest()
	m.Kind = "finetuned_image_classification"
	assert.ErrorContains(t, m.Validate(), `"finetuned_image_classification" is not one of`)
	AcceptKind(m.Kind)
	assert.NoError(t, m.Validate())
}
