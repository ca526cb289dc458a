package importer

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/gohub/gohub/hub/internal/msg"
	"github.com/gohub/gohub/hub/store"
	"github.com/gohub/gohub/readers/labels"
	"github.com/pkg/errors"
)

// A plain Paddle inference model directory with a label file, as PaddleClas exports and
// Paddle-Lite's demos ship them (shufflenet_v2_imagenet: __model__, one file per parameter,
// labels/synset_words.txt), is taken as an image classifier with PaddleHub's ImageNet
// recipe - or, when its program's fetch target comes from multiclass_nms (an SSD-style
// detector, e.g. PaddleHub's ssd_mobilenet_v1_model/ with its label_file.txt), as an object
// detector with PaddleHub's SSD recipe at the size its feed declares. Such a directory says
// nothing else about itself, so the module is named after the directory and versioned
// ModelDirVersion.

// ModelDirVersion is the version of a module made from a directory that has none.
const ModelDirVersion = "1.0.0"

// modelDirModel is the name of the one model of such a module: classification or
// detection.
const (
	modelDirModel       = "classification"
	modelDirDetectModel = "detection"
)

// detectLabelFiles are where detection model directories keep their labels, after the
// classifiers' places (labels.Find): PaddleHub's ssd module (label_file.txt) and
// Paddle-Lite's SSD demo (pascalvoc_label_list).
var detectLabelFiles = []string{"label_file.txt", "pascalvoc_label_list", "pascalvoc_label_list.txt"}

// isClassifierDir reports whether dir directly holds an inference model and a label file
// (a classifier or a detector: importModelDir tells them apart).
func isClassifierDir(dir string) bool {
	if !isModelDir(dir) {
		return false
	}
	_, err := findModelDirLabels(dir, detectorProgram(dir) != nil)
	return err == nil
}

// findModelDirLabels returns the label file of a model directory, relative to it.
func findModelDirLabels(dir string, detector bool) (string, error) {
	rel, err := labels.Find(dir)
	if err == nil || !detector {
		return rel, err
	}
	for _, name := range detectLabelFiles {
		if fi, serr := os.Stat(filepath.Join(dir, name)); serr == nil && fi.Mode().IsRegular() {
			return name, nil
		}
	}
	return "", errors.Errorf("%s has no label file (looked for %s)", dir, msg.JoinQuoted(detectLabelFiles))
}

// detectorProgram returns the program of the model in dir when its fetch target comes from
// an NMS op (a detector), else nil.
func detectorProgram(dir string) *ProgramInfo {
	mo, err := detectModel(dir, dir, "probe")
	if err != nil {
		return nil
	}
	info, err := ReadProgramInfo(programFile(dir, mo))
	if err != nil || len(info.FetchOps) == 0 || !isNMS(info.FetchOps[0]) {
		return nil
	}
	return info
}

// importModelDir maps a plain model directory to an image-classification module: its
// top-level files to model/classification/, its label file to assets/. Other folders
// (demo images, sources) are left out.
func importModelDir(root string, spec Spec) (*store.Manifest, error) {
	name := store.NormalizeName(filepath.Base(root))
	if spec.Move && filepath.Clean(root) == filepath.Clean(spec.Src) {
		// An archive with the model at its top: name it after the archive.
		name = store.NormalizeName(archiveStem(spec.Origin))
	}
	if !store.ValidName(name) {
		return nil, &store.ManifestError{Field: "name", Reason: "cannot name a module after " + msg.Quote(name) + "; rename the directory"}
	}
	det := detectorProgram(root)
	labels, err := findModelDirLabels(root, det != nil)
	if err != nil {
		return nil, err
	}
	modelName := modelDirModel
	if det != nil {
		modelName = modelDirDetectModel
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, errors.Wrap(err, "read model directory")
	}
	modelDst := filepath.Join(spec.Dst, "model", modelName)
	if err := os.MkdirAll(modelDst, 0o755); err != nil {
		return nil, errors.Wrap(err, "stage model")
	}
	for _, e := range entries {
		// Stat follows symbolic links: a user's directory may link its parameter files.
		if fi, err := os.Stat(filepath.Join(root, e.Name())); err == nil && fi.Mode().IsRegular() && e.Name() != labels {
			if err := store.Transfer(filepath.Join(root, e.Name()), filepath.Join(modelDst, e.Name()), spec.Move); err != nil {
				return nil, err
			}
		}
	}
	asset := "assets/" + filepath.Base(labels)
	if err := store.Transfer(filepath.Join(root, filepath.FromSlash(labels)), filepath.Join(spec.Dst, filepath.FromSlash(asset)), spec.Move); err != nil {
		return nil, err
	}
	model, err := detectModel(spec.Dst, modelDst, modelName)
	if err != nil {
		return nil, err
	}
	if det != nil {
		return detectorManifest(name, filepath.Base(root), model, asset, det), nil
	}
	return &store.Manifest{
		Name: name, Version: ModelDirVersion, Kind: store.KindImageClassification,
		Summary: "image classifier imported from the Paddle model directory " + filepath.Base(root),
		Models:  []store.Model{model},
		Assets:  map[string]string{store.AssetLabelList: asset},
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

// detectorManifest is the manifest of a detection model directory: PaddleHub's SSD recipe
// (knownModules["ssd_mobilenet_v1_pascal"]) at the input size the program's feed declares.
func detectorManifest(name, dir string, model store.Model, labels string, prog *ProgramInfo) *store.Manifest {
	r := knownModules["ssd_mobilenet_v1_pascal"]
	pre := map[string]any{}
	for k, v := range r.pre {
		pre[k] = v
	}
	if len(prog.FeedDims) > 0 {
		if d := prog.FeedDims[0]; len(d) == 4 && d[2] > 0 && d[3] > 0 {
			pre["resize"] = []int{int(d[3]), int(d[2])}
		}
	}
	post := map[string]any{}
	for k, v := range r.post {
		post[k] = v
	}
	return &store.Manifest{
		Name: name, Version: ModelDirVersion, Kind: store.KindObjectDetection,
		Summary:    "object detector imported from the Paddle model directory " + dir,
		Models:     []store.Model{model},
		Assets:     map[string]string{store.AssetLabelList: labels},
		Preprocess: pre, Postprocess: post,
	}
}
