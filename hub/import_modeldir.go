package hub

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/pkg/errors"

	"github.com/gohub/gohub/hub/imgcls"
)

// A plain Paddle inference model directory with a label file, as PaddleClas exports and
// Paddle-Lite's demos ship them (shufflenet_v2_imagenet: __model__, one file per parameter,
// labels/synset_words.txt), is taken as an image classifier with PaddleHub's ImageNet
// recipe. Such a directory says nothing else about itself, so the module is named after
// the directory and versioned modelDirVersion.

// modelDirVersion is the version of a module made from a directory that has none.
const modelDirVersion = "1.0.0"

// modelDirModel is the name of the one model of such a module.
const modelDirModel = "classification"

// isClassifierDir reports whether dir directly holds an inference model and a label file.
func isClassifierDir(dir string) bool {
	if !isModelDir(dir) {
		return false
	}
	_, err := imgcls.FindLabels(dir)
	return err == nil
}

// importModelDir maps a plain model directory to an image-classification module: its
// top-level files to model/classification/, its label file to assets/. Other folders
// (demo images, sources) are left out.
func importModelDir(root string, spec importSpec) (*Manifest, error) {
	name := NormalizeName(filepath.Base(root))
	if spec.move && filepath.Clean(root) == filepath.Clean(spec.src) {
		// An archive with the model at its top: name it after the archive.
		name = NormalizeName(archiveStem(spec.origin))
	}
	if !ValidName(name) {
		return nil, &ManifestError{Field: "name", Reason: "cannot name a module after " + quote(name) + "; rename the directory"}
	}
	labels, err := imgcls.FindLabels(root)
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, errors.Wrap(err, "read model directory")
	}
	modelDst := filepath.Join(spec.dst, "model", modelDirModel)
	if err := os.MkdirAll(modelDst, 0o755); err != nil {
		return nil, errors.Wrap(err, "stage model")
	}
	for _, e := range entries {
		// Stat follows symbolic links: a user's directory may link its parameter files.
		if fi, err := os.Stat(filepath.Join(root, e.Name())); err == nil && fi.Mode().IsRegular() && e.Name() != labels {
			if err := transfer(filepath.Join(root, e.Name()), filepath.Join(modelDst, e.Name()), spec.move); err != nil {
				return nil, err
			}
		}
	}
	asset := "assets/" + filepath.Base(labels)
	if err := transfer(filepath.Join(root, filepath.FromSlash(labels)), filepath.Join(spec.dst, filepath.FromSlash(asset)), spec.move); err != nil {
		return nil, err
	}
	model, err := detectModel(spec.dst, modelDst, modelDirModel)
	if err != nil {
		return nil, err
	}
	return &Manifest{
		Name: name, Version: modelDirVersion, Kind: KindImageClassification,
		Summary: "image classifier imported from the Paddle model directory " + filepath.Base(root),
		Models:  []Model{model},
		Assets:  map[string]string{AssetLabelList: asset},
		// PaddleHub's and PaddleClas's ImageNet recipe; softmax is left to imgcls, which
		// applies it only to a model that does not output probabilities already.
		Preprocess: map[string]any{
			"resize_short": 256, "crop": 224, "interpolation": "bilinear", "channel_order": "rgb",
			"scale": 1.0 / 255, "mean": imagenetMean, "std": imagenetStd,
		},
		Postprocess: map[string]any{"top_k": 1},
	}, nil
}

// archiveStem is an archive's name without its extension: model.tar.gz -> model.
func archiveStem(name string) string {
	for _, ext := range []string{".tar.gz", ".tgz", ".tar", ".zip"} {
		if strings.HasSuffix(strings.ToLower(name), ext) {
			return name[:len(name)-len(ext)]
		}
	}
	return strings.TrimSuffix(name, filepath.Ext(name))
}
