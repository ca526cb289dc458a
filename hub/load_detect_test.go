package hub

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/hub/detect"
	"github.com/gohub/gohub/hub/importer"
	"github.com/gohub/gohub/hub/install"
	"github.com/gohub/gohub/hub/internal/fixture"
	"github.com/gohub/gohub/hub/internal/moduledesc"
	"github.com/gohub/gohub/hub/store"
	"github.com/gohub/gohub/internal/settings"
	"github.com/gohub/gohub/internal/shared"
)

// seededSSDFiles returns the files of the seeded SSD model that real Paddle writes
// (scripts/oracle/ssd_seeded.py, under build/models), or skips the test (fails under CI=true).
func seededSSDFiles(t *testing.T) map[string]string {
	t.Helper()
	base := settings.BuildModelsDir()
	if base == "" {
		wd, err := os.Getwd()
		require.NoError(t, err)
		base = filepath.Join(filepath.Dir(wd), "build", "models") // the test runs in hub/
	}
	dir := filepath.Join(base, "ssd_mobilenet_v1_pascal_seeded")
	entries, err := os.ReadDir(dir)
	if err != nil {
		missingSeededModel(t, "SSD model", dir)
	}
	out := map[string]string{}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		out[e.Name()] = string(data)
	}
	require.Contains(t, out, "__model__")
	return out
}

// pascalVOC returns the shared Pascal VOC label list (background + 20 classes) and the dog photo.
func pascalVOC(t *testing.T) (labels, dog string) {
	t.Helper()
	l, err := shared.Path("data", "images", "pascalvoc_label_list.txt")
	if err != nil {
		t.Skipf("shared data absent: %v", err)
	}
	d, err := shared.Path("data", "images", "pld_dog.jpg")
	if err != nil {
		t.Skipf("shared data absent: %v", err)
	}
	data, err := os.ReadFile(l)
	require.NoError(t, err)
	return string(data), d
}

// ssdModuleDescPB is a 1.x module_desc.pb of ssd_mobilenet_v1_pascal: module_info and the
// object_detection signature (image -> the NMS output).
func ssdModuleDescPB() []byte {
	name := "ssd_mobilenet_v1_pascal"
	return fixture.ModuleDesc(map[string]string{
		"name": name, "version": "1.0.1", "type": "cv/object_detection",
		"summary": "SSD with backbone MobileNet_V1, trained with dataset Pasecal VOC.", "author": "paddlepaddle",
	}, map[string]string{"default_signature": "object_detection"},
		map[string]*moduledesc.ModuleVar{"object_detection": fixture.Signature("image", "image", "multiclass_nms.tmp_0")})
}

// checkDetects loads the installed module and runs it on the dog photo: the seeded
// model's boxes above 0.5 (hub/detect's tests check them against real Paddle's rows).
func checkDetects(t *testing.T, h store.Home, name string) {
	t.Helper()
	_, dog := pascalVOC(t)
	mod, err := Load(name, WithHome(h))
	require.NoError(t, err)
	defer mod.Close()
	res, err := mod.Detect([]string{dog})
	require.NoError(t, err)
	require.Len(t, res, 1)
	require.NotEmpty(t, res[0].Data)
	for _, o := range res[0].Data {
		assert.GreaterOrEqual(t, o.Confidence, 0.5)
		assert.Equal(t, "diningtable", o.Label, "the seeded weights' favourite class on this photo")
	}
	_, err = mod.Classify([]string{dog})
	assert.ErrorContains(t, err, "Classify needs an image classification one")
	_, err = mod.Cut([]string{"text"})
	assert.ErrorContains(t, err, "Cut needs a lexical analysis one")

	low, err := Load(name, WithHome(h), WithScoreThreshold(0.2), WithVisualization(filepath.Join(t.TempDir(), "vis")))
	require.NoError(t, err)
	defer low.Close()
	more, err := low.Detect([]string{dog})
	require.NoError(t, err)
	assert.Greater(t, len(more[0].Data), len(res[0].Data))
	assert.FileExists(t, more[0].SavePath)
}

// A plain model directory whose program ends in multiclass_nms, with a label file, is an
// object detector with PaddleHub's SSD recipe at its feed's size.
func TestInstallDetectionModelDir(t *testing.T) {
	model := seededSSDFiles(t)
	labels, _ := pascalVOC(t)
	src := filepath.Join(t.TempDir(), "my_ssd")
	require.NoError(t, os.MkdirAll(src, 0o755))
	for name, body := range model {
		require.NoError(t, os.WriteFile(filepath.Join(src, name), []byte(body), 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(src, "pascalvoc_label_list"), []byte(labels), 0o644))

	info, err := importer.ReadProgramInfo(filepath.Join(src, "__model__"))
	require.NoError(t, err)
	assert.Equal(t, []string{"multiclass_nms"}, info.FetchOps)
	assert.Equal(t, [][]int64{{-1, 3, 300, 300}}, info.FeedDims)

	h := store.Home{Root: t.TempDir()}
	res, err := (&install.Installer{Home: h}).Install(testCtx, src)
	require.NoError(t, err)
	m := res.Module.Manifest
	assert.Equal(t, "my_ssd", m.Name)
	assert.Equal(t, store.KindObjectDetection, m.Kind)
	assert.Equal(t, map[string]string{store.AssetLabelList: "assets/pascalvoc_label_list"}, m.Assets)
	assert.Equal(t, store.Model{Name: "detection", Layout: store.LayoutDir, Dir: "model/detection"},
		store.Model{Name: m.Models[0].Name, Layout: m.Models[0].Layout, Dir: m.Models[0].Dir})
	cfg, err := detect.ParseConfig(m.Preprocess, m.Postprocess)
	require.NoError(t, err)
	assert.Equal(t, detect.DefaultConfig(), cfg)
	checkDetects(t, h, "my_ssd")

	// Without a label file it is no module.
	require.NoError(t, os.Remove(filepath.Join(src, "pascalvoc_label_list")))
	_, err = importer.Import(importer.Spec{Src: src, Dst: filepath.Join(t.TempDir(), "module")})
	var notModule *importer.NotAModuleError
	assert.ErrorAs(t, err, &notModule)
}

// PaddleHub's own archives of ssd_mobilenet_v1_pascal, in both layouts, built around the
// seeded model, install as object detectors with the module's recipe and run.
func TestInstallPaddleHubSSDArchives(t *testing.T) {
	model := seededSSDFiles(t)
	labels, _ := pascalVOC(t)
	v1 := map[string]string{
		"ssd_mobilenet_v1_pascal/module_desc.pb":        string(ssdModuleDescPB()),
		"ssd_mobilenet_v1_pascal/check_info.pb":         "",
		"ssd_mobilenet_v1_pascal/assets/label_list.txt": labels,
		"ssd_mobilenet_v1_pascal/python/0a1b.py":        "class SSDProcessor: pass\n",
	}
	v2 := map[string]string{
		"ssd_mobilenet_v1_pascal/module.py": "@moduleinfo(\n    name=\"ssd_mobilenet_v1_pascal\",\n    version=\"1.1.1\",\n" +
			"    type=\"cv/object_detection\",\n    summary=\"SSD with backbone MobileNet_V1, trained with dataset Pasecal VOC.\",\n" +
			"    author=\"paddlepaddle\",\n    author_email=\"\")\nclass SSDMobileNetv1(hub.Module):\n    pass\n",
		"ssd_mobilenet_v1_pascal/label_file.txt": labels,
		"ssd_mobilenet_v1_pascal/config.yml":     "MultiBoxHead:\n  base_size: 300\n",
		"ssd_mobilenet_v1_pascal/processor.py":   "",
	}
	for name, body := range model {
		v1["ssd_mobilenet_v1_pascal/model/"+name] = body
		v2["ssd_mobilenet_v1_pascal/ssd_mobilenet_v1_model/"+name] = body
	}
	for layout, tc := range map[string]struct {
		files   map[string]string
		version string
		asset   string
	}{
		"1.x": {v1, "1.0.1", "assets/label_list.txt"},
		"2.x": {v2, "1.1.1", "assets/label_file.txt"},
	} {
		t.Run(layout, func(t *testing.T) {
			archive := fixture.WriteTarGz(t, filepath.Join(t.TempDir(), "ssd_mobilenet_v1_pascal.tar.gz"), fixture.Entries(tc.files))
			h := store.Home{Root: t.TempDir()}
			res, err := (&install.Installer{Home: h}).Install(testCtx, archive)
			require.NoError(t, err)
			m := res.Module.Manifest
			assert.Equal(t, "ssd_mobilenet_v1_pascal", m.Name)
			assert.Equal(t, tc.version, m.Version)
			assert.Equal(t, store.KindObjectDetection, m.Kind)
			assert.Equal(t, map[string]string{store.AssetLabelList: tc.asset}, m.Assets)
			assert.Equal(t, "model/detection", m.Models[0].Dir)
			cfg, err := detect.ParseConfig(m.Preprocess, m.Postprocess)
			require.NoError(t, err)
			assert.Equal(t, detect.DefaultConfig(), cfg, "PaddleHub's SSD recipe")
			checkDetects(t, h, "ssd_mobilenet_v1_pascal")
		})
	}
}
