package importer

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gohub/gohub/hub/internal/fixture"
	"github.com/gohub/gohub/hub/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// importArchive extracts an archive and imports it, as an install does.
func importArchive(t *testing.T, archive string) (*store.Manifest, string) {
	t.Helper()
	stage := t.TempDir()
	require.NoError(t, Extract(archive, filepath.Base(archive), filepath.Join(stage, "x")))
	dst := filepath.Join(stage, "module")
	m, err := Import(Spec{Src: filepath.Join(stage, "x"), Dst: dst, Move: true, Origin: filepath.Base(archive)})
	require.NoError(t, err)
	require.NoError(t, CheckModuleFiles(dst, m))
	return m, dst
}

func TestImportLACPackage(t *testing.T) {
	dir := t.TempDir()
	for name, archive := range map[string]string{
		"sdist": fixture.WriteTarGz(t, filepath.Join(dir, "LAC-2.1.2.tar.gz"), fixture.Entries(fixture.LACPackageFiles("LAC-2.1.2/", false))),
		"wheel": fixture.WriteZip(t, filepath.Join(dir, "LAC-2.1.2-py3-none-any.whl"), fixture.Entries(fixture.LACPackageFiles("", true))),
	} {
		t.Run(name, func(t *testing.T) {
			m, dst := importArchive(t, archive)
			assert.Equal(t, "lac", m.Name)
			assert.Equal(t, "2.1.2", m.Version)
			assert.Equal(t, store.KindLexicalAnalysis, m.Kind)
			assert.Equal(t, "Apache 2.0", m.Licence)
			assert.Equal(t, []string{"lac", "seg"}, m.ModelNames())
			lac, err := m.Model("")
			require.NoError(t, err)
			assert.Equal(t, store.LayoutDir, lac.Layout)
			assert.Equal(t, "model/lac", lac.Dir)
			assert.Equal(t, map[string]string{
				store.AssetWordDict: "assets/lac/word.dic", store.AssetQ2BDict: "assets/lac/q2b.dic",
				store.AssetTagDict: "assets/lac/tag.dic", "args": "assets/lac/args.ini",
			}, lac.Assets)
			seg, err := m.Model("seg")
			require.NoError(t, err)
			p, _ := m.Asset(seg, store.AssetTagDict)
			assert.Equal(t, fixture.LACDicts["tag.dic"], fixture.Tree(t, dst)[p])
			assert.NoDirExists(t, filepath.Join(dst, "model", "rank"))
			require.NoError(t, m.Validate())
		})
	}
}

func TestImportPaddleHub1(t *testing.T) {
	dir := t.TempDir()
	archive := fixture.WriteTarGz(t, filepath.Join(dir, "resnet_v2_50_imagenet.hub_module-1.0.1.tar.gz"), fixture.Entries(map[string]string{
		"resnet_v2_50_imagenet/module_desc.pb":        string(fixture.ModuleDescPB("resnet_v2_50_imagenet", "1.0.1")),
		"resnet_v2_50_imagenet/check_info.pb":         "",
		"resnet_v2_50_imagenet/model/__model__":       "program",
		"resnet_v2_50_imagenet/model/@HUB_x@fc_0.w_0": "w",
		"resnet_v2_50_imagenet/assets/label_list.txt": "tench\ngoldfish\n",
		"resnet_v2_50_imagenet/python/abc.py":         "class P: pass\n",
	}))
	m, dst := importArchive(t, archive)
	assert.Equal(t, "resnet_v2_50_imagenet", m.Name)
	assert.Equal(t, "1.0.1", m.Version)
	assert.Equal(t, store.KindImageClassification, m.Kind)
	assert.Equal(t, "ResNet50 on ImageNet", m.Summary)
	assert.Equal(t, "paddlepaddle", m.Author)
	assert.Equal(t, map[string]string{store.AssetLabelList: "assets/label_list.txt", store.AssetModuleDesc: "module_desc.pb"}, m.Assets)
	assert.FileExists(t, filepath.Join(dst, "module_desc.pb"), "fine-tuning reads its feature map")
	mo := m.Models[0]
	assert.Equal(t, store.Model{Name: "classification", Layout: store.LayoutDir, Dir: "model/classification",
		Inputs:  []store.TensorSpec{{Name: "@HUB_resnet_v2_50_imagenet@image", DType: "float32", Shape: []int64{-1, 3, 224, 224}}},
		Outputs: []store.TensorSpec{{Name: "@HUB_resnet_v2_50_imagenet@fc_0.tmp_2", DType: "float32"}}}, mo)
	assert.Equal(t, 256, m.Preprocess["resize_short"])
	assert.NoFileExists(t, filepath.Join(dst, "python", "abc.py"), "Python code is not part of a gohub module")
	require.NoError(t, m.Validate())
}

func TestImportPaddleHub2(t *testing.T) {
	dir := t.TempDir()
	lacPy := `from paddlehub.module.module import moduleinfo

@moduleinfo(
    name="lac",
    version="2.2.0",
    summary=
    "Baidu's open-source lexical analysis tool for Chinese, including word segmentation, part-of-speech tagging & named entity recognition",
    author="baidu-nlp",
    author_email="paddle-dev@baidu.com",
    type="nlp/lexical_analysis")
class LAC(hub.Module):
    pass
`
	ssdPy := "@moduleinfo(name='ssd_mobilenet_v1_pascal', version='1.1.1', type='cv/object_detection',\n" +
		"    summary='SSD with backbone MobileNet_V1, ' 'trained with dataset Pasecal VOC.', author='paddlepaddle')\nclass SSD(hub.Module):\n    pass\n"
	for name, tc := range map[string]struct {
		files   map[string]string
		want    store.Manifest
		model   store.Model
		zip     bool
		relpath map[string]string
	}{
		"lac": {
			files: map[string]string{
				"lac/module.py": lacPy, "lac/processor.py": "", "lac/infer_model/__model__": "p", "lac/infer_model/crfw": "w",
				"lac/assets/word.dic": fixture.LACDicts["word.dic"], "lac/assets/q2b.dic": fixture.LACDicts["q2b.dic"],
				"lac/assets/tag.dic": fixture.LACDicts["tag.dic"], "lac/assets/unigram.dict": "",
			},
			want: store.Manifest{Name: "lac", Version: "2.2.0", Kind: store.KindLexicalAnalysis, Author: "baidu-nlp"},
			model: store.Model{Name: "lac", Layout: store.LayoutDir, Dir: "model/lac",
				Inputs: []store.TensorSpec{{Name: "words", DType: "int64", Shape: []int64{-1, 1}, LoDLevel: 1}}},
			relpath: map[string]string{store.AssetWordDict: "assets/word.dic", store.AssetQ2BDict: "assets/q2b.dic", store.AssetTagDict: "assets/tag.dic"},
		},
		"ssd zip": {
			files: map[string]string{
				"ssd_mobilenet_v1_pascal/module.py": ssdPy, "ssd_mobilenet_v1_pascal/label_file.txt": "background\naeroplane\n",
				"ssd_mobilenet_v1_pascal/ssd_mobilenet_v1_model/__model__":  "p",
				"ssd_mobilenet_v1_pascal/ssd_mobilenet_v1_model/__params__": "w",
				"ssd_mobilenet_v1_pascal/config.yml":                        "",
			},
			zip:     true,
			want:    store.Manifest{Name: "ssd_mobilenet_v1_pascal", Version: "1.1.1", Kind: store.KindObjectDetection, Author: "paddlepaddle"},
			model:   store.Model{Name: "detection", Layout: store.LayoutFiles, Program: "model/detection/__model__", Params: "model/detection/__params__", Inputs: knownModules["ssd_mobilenet_v1_pascal"].inputs},
			relpath: map[string]string{store.AssetLabelList: "assets/label_file.txt"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name+".tar.gz")
			write := fixture.WriteTarGz
			if tc.zip {
				path, write = filepath.Join(dir, name+".zip"), fixture.WriteZip
			}
			m, _ := importArchive(t, write(t, path, fixture.Entries(tc.files)))
			assert.Equal(t, tc.want.Name, m.Name)
			assert.Equal(t, tc.want.Version, m.Version)
			assert.Equal(t, tc.want.Kind, m.Kind)
			assert.Equal(t, tc.want.Author, m.Author)
			assert.NotEmpty(t, m.Summary)
			assert.Equal(t, []store.Model{tc.model}, m.Models)
			assert.Equal(t, tc.relpath, m.Assets)
		})
	}
	t.Run("summary joins adjacent literals", func(t *testing.T) {
		info, err := parseModuleInfo(ssdPy)
		require.NoError(t, err)
		assert.Equal(t, "SSD with backbone MobileNet_V1, trained with dataset Pasecal VOC.", info.summary)
	})
}

func TestImportRefusesUnknown(t *testing.T) {
	dir := t.TempDir()
	_, err := Import(Spec{Src: dir, Dst: filepath.Join(t.TempDir(), "m")})
	var nam *NotAModuleError
	assert.ErrorAs(t, err, &nam)

	src := filepath.Join(dir, "bert")
	require.NoError(t, os.MkdirAll(filepath.Join(src, "model"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(src, "module.py"), []byte("@moduleinfo(name=\"bert\", version=\"1.0\")\nclass B:\n  pass\n"), 0o644))
	_, err = Import(Spec{Src: src, Dst: filepath.Join(t.TempDir(), "m")})
	var unsupported *UnsupportedModuleError
	require.ErrorAs(t, err, &unsupported)
	assert.Contains(t, err.Error(), `"lac"`)
}

func TestParseModuleDescTruncated(t *testing.T) {
	b := fixture.ModuleDescPB("lac", "1.0.0")
	for _, n := range []int{1, 5, len(b) / 2, len(b) - 1} {
		_, err := parseModuleDesc(b[:n])
		assert.Error(t, err, "prefix of %d bytes", n)
	}
	d, err := parseModuleDesc(b)
	require.NoError(t, err)
	assert.Equal(t, "lac", d.info("name"))
}
