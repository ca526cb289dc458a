package hub

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/gohub/gohub/hub/imgcls"
	"github.com/gohub/gohub/hub/importer"
	"github.com/gohub/gohub/hub/install"
	"github.com/gohub/gohub/hub/internal/fixture"
	"github.com/gohub/gohub/hub/store"
	"github.com/gohub/gohub/internal/paddlecase"
	"github.com/gohub/gohub/internal/shared"
	"github.com/gohub/gohub/readers/picture"
)

// TestInstallShuffleNetAndClassify installs the real ShuffleNetV2 model directory as
// `gohub install ../shared/models/shufflenet_v2_imagenet` does and classifies the photos of
// the testdata/models ShuffleNetV2 cases: the installed module's preprocessing must make
// exactly the tensor real Paddle was fed (input_0.bin, which our reader made), and its top 3
// must be Paddle's top 3 (output_0.bin), in order, each probability within 1e-4 of Paddle's
// relative to it (hub/imgcls's TestShuffleNetMatchesPaddle says why relative, and compares
// all 1000 classes; measured here: at most 1.6e-5).
func TestInstallShuffleNetAndClassify(t *testing.T) {
	const rtol = 1e-4
	src, err := shared.Path("models", "shufflenet_v2_imagenet")
	if err != nil {
		t.Skipf("shared ShuffleNetV2 model absent: %v", err)
	}
	cases := paddlecase.ShuffleNetCases(t)
	h := store.Home{Root: t.TempDir()}
	res, err := (&install.Installer{Home: h}).Install(testCtx, src)
	require.NoError(t, err)
	m := res.Module.Manifest
	assert.Equal(t, "shufflenet_v2_imagenet", m.Name)
	assert.Equal(t, store.KindImageClassification, m.Kind)
	assert.Equal(t, map[string]string{store.AssetLabelList: "assets/synset_words.txt"}, m.Assets)
	require.Len(t, m.Models, 1)
	assert.Equal(t, store.Model{Name: "classification", Layout: store.LayoutDir, Dir: "model/classification"},
		store.Model{Name: m.Models[0].Name, Layout: m.Models[0].Layout, Dir: m.Models[0].Dir})
	assert.NoDirExists(t, filepath.Join(res.Module.Dir, "model", "classification", "demo_images"))

	cfg, err := imgcls.ParseConfig(m.Preprocess, m.Postprocess)
	require.NoError(t, err)
	photos := make([]string, len(cases))
	for i, g := range cases {
		photos[i] = g.Photo
		b, err := cfg.Load([]string{g.Photo})
		require.NoError(t, err)
		var buf bytes.Buffer
		require.NoError(t, binary.Write(&buf, binary.LittleEndian, b.Data))
		require.True(t, bytes.Equal(g.Input, buf.Bytes()),
			"%s: the installed module's preprocessing no longer makes the tensor Paddle was fed (input_0.bin)", g.Name)
	}

	mod, err := Load("shufflenet_v2_imagenet", WithHome(h), WithTopK(3), WithBatchSize(2))
	require.NoError(t, err)
	defer mod.Close()
	out, err := mod.Classify(photos)
	require.NoError(t, err)
	require.Len(t, out, len(cases))
	for i, r := range out {
		g := cases[i]
		require.Len(t, r, 3)
		classes := make([]int, len(r))
		for k, p := range r {
			classes[k] = p.Class
			paddle := float64(g.Probs[p.Class])
			t.Logf("%s: %d %-14q gohub %.7f  Paddle %.7f  diff %.2g", g.Name, p.Class, p.Label, p.Probability, paddle, p.Probability-paddle)
			assert.LessOrEqual(t, math.Abs(p.Probability-paddle), rtol*paddle,
				"%s, class %d: gohub %.8g, Paddle %.8g", g.Name, p.Class, p.Probability, paddle)
		}
		assert.Equal(t, g.Top(3), classes, "%s: Paddle's top 3, in order", g.Name)
	}
	_, err = mod.Cut([]string{"text"})
	assert.ErrorContains(t, err, "Cut needs a lexical analysis one")
}

// TestImportModelDir maps a plain model directory with a label file; subfolders other
// than the label file's are left out and the module is named after the directory.
func TestImportModelDir(t *testing.T) {
	src := filepath.Join(t.TempDir(), "my-classifier")
	for name, body := range map[string]string{
		"__model__": "program", "conv1_weights": "w", "labels/synset_words.txt": "n01440764 tench\n",
		"demo_images/a.jpg": "jpg",
	} {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(src, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(src, name), []byte(body), 0o644))
	}
	dst := filepath.Join(t.TempDir(), "module")
	m, err := importer.Import(importer.Spec{Src: src, Dst: dst, Origin: "my-classifier"})
	require.NoError(t, err)
	assert.Equal(t, "my_classifier", m.Name)
	assert.Equal(t, importer.ModelDirVersion, m.Version)
	assert.Equal(t, map[string]string{
		"model/classification/__model__": "program", "model/classification/conv1_weights": "w",
		"assets/synset_words.txt": "n01440764 tench\n",
	}, fixture.Tree(t, dst))
	_, err = imgcls.ParseConfig(m.Preprocess, m.Postprocess)
	assert.NoError(t, err)

	// Without a label file it is no module.
	require.NoError(t, os.RemoveAll(filepath.Join(src, "labels")))
	_, err = importer.Import(importer.Spec{Src: src, Dst: filepath.Join(t.TempDir(), "module")})
	var notModule *importer.NotAModuleError
	assert.ErrorAs(t, err, &notModule)
}

// TestClassifierRecipesParse checks that the classification recipes survive a trip
// through module.yaml and read as imgcls configs.
func TestClassifierRecipesParse(t *testing.T) {
	pre, post, ok := importer.Recipe("resnet_v2_50_imagenet")
	require.True(t, ok)
	data, err := yaml.Marshal(map[string]any{"pre": pre, "post": post})
	require.NoError(t, err)
	var back struct{ Pre, Post map[string]any }
	require.NoError(t, yaml.Unmarshal(data, &back))
	c, err := imgcls.ParseConfig(back.Pre, back.Post)
	require.NoError(t, err)
	// PaddleHub's recipe with PIL's LANCZOS filter, which the 1.x module resizes with.
	want := imgcls.DefaultConfig().Preprocess
	want.Filter = picture.Lanczos
	assert.Equal(t, want, c.Preprocess)
	require.NotNil(t, c.Softmax)
	assert.True(t, *c.Softmax, "the v1 module's classification signature outputs logits")
}
