package hub

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/pkg/errors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/hub/install"
	"github.com/gohub/gohub/hub/kind"
	"github.com/gohub/gohub/hub/lexical"
	"github.com/gohub/gohub/hub/store"
	"github.com/gohub/gohub/internal/shared"
)

var testCtx = context.Background()

// segModule installs by hand a module "lac" whose only model is the shared LAC
// segmentation model (linked, not copied), so that Load runs without the LAC package.
func segModule(t *testing.T) store.Home {
	t.Helper()
	src, err := shared.Path("models", "lac_seg")
	if err != nil {
		t.Skipf("shared LAC seg model absent: %v", err)
	}
	h := store.Home{Root: t.TempDir()}
	dir := filepath.Join(h.ModulesDir(), "lac")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for _, link := range []string{"model", "conf"} {
		require.NoError(t, os.Symlink(filepath.Join(src, link), filepath.Join(dir, link)))
	}
	m := &store.Manifest{Name: "lac", Version: "2.1.2", Kind: store.KindLexicalAnalysis,
		Models: []store.Model{{Name: "seg", Layout: store.LayoutDir, Dir: "model"}},
		Assets: map[string]string{store.AssetWordDict: "conf/word.dic", store.AssetQ2BDict: "conf/q2b.dic", store.AssetTagDict: "conf/tag.dic"},
	}
	require.NoError(t, m.Save(dir))
	return h
}

func TestLoadSeg(t *testing.T) {
	h := segModule(t)
	m, err := Load("lac", WithHome(h), WithBatchSize(2), WithThreads(2))
	require.NoError(t, err)
	defer m.Close()
	assert.Equal(t, "seg", m.Model.Name)
	got, err := m.Cut([]string{"今天是个好日子", "", "我爱北京天安门"})
	require.NoError(t, err)
	assert.Equal(t, []lexical.Result{
		{Word: []string{"今天", "是", "个", "好日子"}},
		{Word: []string{}},
		{Word: []string{"我", "爱", "北京", "天安门"}},
	}, got)
	_, err = m.Cut([]string{"\xff"})
	assert.ErrorContains(t, err, "not valid UTF-8")
	require.NoError(t, m.Close())
	_, err = m.Cut([]string{"好"})
	assert.ErrorContains(t, err, "closed")
}

func TestLoadByPath(t *testing.T) {
	h := segModule(t)
	m, err := Load(filepath.Join(h.ModulesDir(), "lac") + string(filepath.Separator))
	require.NoError(t, err)
	defer m.Close()
	got, err := m.Cut([]string{"好日子"})
	require.NoError(t, err)
	assert.Equal(t, []string{"好日子"}, got[0].Word)

	_, err = Load(filepath.Join(t.TempDir(), "nope") + "/")
	assert.ErrorContains(t, err, "is not a module directory")
}

func TestLoadErrors(t *testing.T) {
	h := segModule(t)
	_, err := Load("ernie", WithHome(h))
	assert.True(t, errors.Is(err, store.ErrNotInstalled))
	assert.ErrorContains(t, err, "gohub install ernie")

	_, err = Load("lac", WithHome(h), WithModel("pos"))
	var unknown *store.UnknownModelError
	assert.True(t, errors.As(err, &unknown), "%v", err)

	_, err = Load("lac", WithHome(h), WithUserDict(filepath.Join(t.TempDir(), "none.dict")))
	assert.ErrorContains(t, err, "load module lac")
	assert.ErrorContains(t, err, "read user dictionary")

	// A manifest without a dictionary, and a detection manifest without a label list.
	dir := filepath.Join(h.ModulesDir(), "lac")
	m, err := store.LoadManifest(dir)
	require.NoError(t, err)
	delete(m.Assets, store.AssetTagDict)
	require.NoError(t, m.Save(dir))
	_, err = Load("lac", WithHome(h))
	assert.ErrorContains(t, err, `needs a "tag_dict"`)

	m.Kind = store.KindObjectDetection
	require.NoError(t, m.Save(dir))
	_, err = Load("lac", WithHome(h))
	assert.ErrorContains(t, err, `model "seg" needs a "label_list"`)
}

// lacSdist is the LAC package from PyPI as `make oracle-lac` downloads it.
var lacSdist = filepath.Join("..", "build", "lac-pkg", "LAC-2.1.2.tar.gz")

// TestLoadInstalledLACPackage installs the real LAC package the way `gohub install` does
// and checks hub.Load + Cut against the LAC package's own outputs.
func TestLoadInstalledLACPackage(t *testing.T) {
	if _, err := os.Stat(lacSdist); err != nil {
		t.Skipf("LAC sdist absent (%v): run `make oracle-lac`", err)
	}
	h := store.Home{Root: t.TempDir()}
	_, err := (&install.Installer{Home: h}).Install(context.Background(), lacSdist)
	require.NoError(t, err)
	oracle := filepath.Join("..", "testdata", "lac_full")
	tests := []struct {
		file string
		opts []Option
	}{
		{"oracle_lac.jsonl", nil},
		{"oracle_lac_user.jsonl", []Option{WithUserDict(filepath.Join(oracle, "user.dict")), WithThreads(2)}},
		{"oracle_seg.jsonl", []Option{WithModel("seg")}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			texts, want := readOracle(t, filepath.Join(oracle, tt.file))
			m, err := Load("lac", append(tt.opts, WithHome(h))...)
			require.NoError(t, err)
			defer m.Close()
			got, err := m.Cut(texts)
			require.NoError(t, err)
			assert.Equal(t, want, got)
		})
	}

	m, err := Load("lac", WithHome(h), WithReturnTag(false))
	require.NoError(t, err)
	defer m.Close()
	got, err := m.Cut([]string{"今天是个好日子"})
	require.NoError(t, err)
	assert.Equal(t, []lexical.Result{{Word: []string{"今天", "是", "个", "好日子"}}}, got)
}

// readOracle reads the texts and results of a LAC-package golden file.
func readOracle(t *testing.T, path string) ([]string, []lexical.Result) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var texts []string
	var results []lexical.Result
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var rec struct {
			Text string   `json:"text"`
			Word []string `json:"word"`
			Tag  []string `json:"tag"`
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &rec))
		texts = append(texts, rec.Text)
		results = append(results, lexical.Result{Word: rec.Word, Tag: rec.Tag})
	}
	require.NoError(t, sc.Err())
	return texts, results
}

// Every kind a manifest may declare can be loaded: each kind's package registers itself.
func TestEveryKindIsRegistered(t *testing.T) {
	assert.ElementsMatch(t, store.Kinds, kind.Registered())
}
