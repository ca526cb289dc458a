package importer

import (
	"io/fs"
	"path/filepath"
	"slices"
	"sort"

	"github.com/gohub/gohub/hub/internal/msg"
	"github.com/gohub/gohub/hub/store"
	"github.com/pkg/errors"
)

// Recipe returns the preprocess and postprocess maps gohub writes into the manifest of
// the PaddleHub module name, when it is one of those gohub knows.
func Recipe(name string) (pre, post map[string]any, ok bool) {
	if n := store.NormalizeName(name); n == faceModule || n == maskModule {
		pre, post = faceRecipe()
		return pre, post, true
	}
	r, ok := knownModules[store.NormalizeName(name)]
	return r.pre, r.post, ok
}

// knownModule is what gohub knows about a PaddleHub module that its archive does not say in a
// form Go can read: PaddleHub keeps preprocessing in Python code, gohub in module.yaml.
// The values come from the modules' sources (reference/paddlehub.md §3).
type knownModule struct {
	kind   store.Kind
	model  string              // the name of the module's one model in gohub
	assets map[string][]string // asset name -> file names to look for, first found wins
	inputs []store.TensorSpec  // declared inputs, in feed order
	pre    map[string]any
	post   map[string]any
}

var imagenetMean, imagenetStd = []float64{0.485, 0.456, 0.406}, []float64{0.229, 0.224, 0.225}

// knownModules are the PaddleHub modules gohub imports from PaddleHub's own archives.
var knownModules = map[string]knownModule{
	"lac": {
		kind:  store.KindLexicalAnalysis,
		model: "lac",
		assets: map[string][]string{
			store.AssetWordDict: {"word.dic"}, store.AssetQ2BDict: {"q2b.dic"}, store.AssetTagDict: {"tag.dic"},
		},
		inputs: []store.TensorSpec{{Name: "words", DType: "int64", Shape: []int64{-1, 1}, LoDLevel: 1}},
	},
	"resnet_v2_50_imagenet": {
		kind:   store.KindImageClassification,
		model:  "classification",
		assets: map[string][]string{store.AssetLabelList: {"label_list.txt"}},
		inputs: []store.TensorSpec{{Name: "image", DType: "float32", Shape: []int64{-1, 3, 224, 224}}},
		pre: map[string]any{
			"resize_short": 256, "crop": 224, "interpolation": "lanczos", "channel_order": "rgb",
			"scale": 1.0 / 255, "mean": imagenetMean, "std": imagenetStd,
		},
		post: map[string]any{"softmax": true, "top_k": 1},
	},
	"ssd_mobilenet_v1_pascal": {
		kind:   store.KindObjectDetection,
		model:  "detection",
		assets: map[string][]string{store.AssetLabelList: {"label_file.txt", "label_list.txt"}},
		inputs: []store.TensorSpec{{Name: "image", DType: "float32", Shape: []int64{-1, 3, 300, 300}}},
		pre: map[string]any{
			"resize": []int{300, 300}, "interpolation": "lanczos", "channel_order": "bgr",
			"scale": 1.0, "mean": []float64{127.5, 127.5, 127.5}, "std": []float64{127.502231, 127.502231, 127.502231},
		},
		post: map[string]any{"score_threshold": 0.5, "background_label": 0},
	},
}

// UnsupportedModuleError: a PaddleHub module gohub does not know. Its preprocessing is
// Python code that gohub cannot run.
type UnsupportedModuleError struct{ Name string }

func (e *UnsupportedModuleError) Error() string {
	known := make([]string, 0, len(knownModules))
	for name := range knownModules {
		known = append(known, name)
	}
	sort.Strings(known)
	return "PaddleHub module " + msg.Quote(e.Name) + " is not supported yet: gohub maps " +
		msg.JoinQuoted(known) + " from PaddleHub archives; a module directory with a module.yaml works for any model"
}

// knownModuleFor returns what gohub knows of the PaddleHub module name.
func knownModuleFor(name string) (knownModule, error) {
	r, ok := knownModules[store.NormalizeName(name)]
	if !ok {
		return knownModule{}, &UnsupportedModuleError{Name: name}
	}
	return r, nil
}

// bindAssets finds each asset of the module among the files under dir/assets and returns
// their module-relative paths.
func (r knownModule) bindAssets(dir string) (map[string]string, error) {
	found := map[string]string{}
	root := filepath.Join(dir, "assets")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		base := d.Name()
		if _, ok := found[base]; !ok {
			found[base] = filepath.ToSlash(rel)
		}
		return nil
	})
	if err != nil {
		return nil, errors.Wrap(err, "find the module's assets")
	}
	assets := map[string]string{}
	for name, files := range r.assets {
		i := slices.IndexFunc(files, func(f string) bool { _, ok := found[f]; return ok })
		if i < 0 {
			return nil, &MissingFileError{What: "asset " + name, Want: files}
		}
		assets[name] = found[files[i]]
	}
	return assets, nil
}

// MissingFileError: an archive or directory lacks a file its layout requires.
type MissingFileError struct {
	What string
	Want []string
}

func (e *MissingFileError) Error() string {
	return "the module lacks its " + e.What + " (looked for " + msg.JoinQuoted(e.Want) + ")"
}
