package importer

import (
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pkg/errors"

	"github.com/gohub/gohub/hub/store"
)

// PaddleHub's face modules exist as Paddle-Lite models (PyramidBox-Lite's face detector and
// the mask classifier that runs after it, as Paddle-Lite's demos ship them: a folder with
// one or more model.nb, e.g. nb_v0/ and nb_v2/). Such a file says which PaddleHub module it
// was exported from: its variables keep PaddleHub's prefix, "@HUB_pyramidbox_lite_mobile@image".
// gohub reads that name by loading the file, and installs
//
//   - the face detector as module pyramidbox_lite_mobile (model "face");
//   - the mask classifier as module pyramidbox_lite_mobile_mask (models "mask" and "face"),
//     which needs the face detector too: gohub takes it from the same folder, from a folder
//     next to it (shared/models/mask_detector next to shared/models/pyramidbox_lite), or from
//     the installed pyramidbox_lite_mobile module, and copies it in, so that the module
//     stands alone.

// The PaddleHub modules gohub recognises in Paddle-Lite files.
const (
	faceModule = "pyramidbox_lite_mobile"
	maskModule = "pyramidbox_lite_mobile_mask"
)

// faceRecipe is PaddleHub's preprocessing and postprocessing in its face modules, as
// module.yaml's maps (facedet.ParseConfig reads them).
func faceRecipe() (pre, post map[string]any) {
	return map[string]any{"shrink": 0.5, "mean": []float64{104, 117, 123}, "scale": 0.007843, "crop_scale": 1.5, "crop_size": 128},
		map[string]any{"confs_threshold": 0.6}
}

// maskLabels is the mask classifier's label_list.txt in PaddleHub's module, class order.
const maskLabels = "NO MASK\nMASK\n"

// liteModel is a Paddle-Lite model file and the PaddleHub module it comes from.
type liteModel struct {
	path   string
	module string
	meta   uint16 // the file's meta_version: newer formats first when a folder has several
}

// liteModels returns the Paddle-Lite models directly in dir or in its subfolders (one
// level) that are PaddleHub face modules, the newest format of each module first.
func liteModels(dir string, inspect InspectFunc) []liteModel {
	if inspect == nil {
		return nil
	}
	dirs := []string{dir}
	if entries, err := os.ReadDir(dir); err == nil {
		for _, e := range entries {
			if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
				dirs = append(dirs, filepath.Join(dir, e.Name()))
			}
		}
	}
	var out []liteModel
	for _, d := range dirs {
		mo, err := detectModel(d, d, "probe")
		if err != nil || !mo.ParamsInProgram() {
			continue
		}
		path := filepath.Join(d, filepath.FromSlash(mo.Program))
		name, meta, err := liteModuleOf(inspect, path)
		if err == nil && (name == faceModule || name == maskModule) {
			out = append(out, liteModel{path: path, module: name, meta: meta})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].meta > out[j].meta })
	return out
}

// liteModuleOf loads a Paddle-Lite file and returns the PaddleHub module its first input is
// named after ("@HUB_<module>@...") and its meta_version.
func liteModuleOf(inspect InspectFunc, path string) (string, uint16, error) {
	head := make([]byte, 2)
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	_, err = io.ReadFull(f, head)
	f.Close()
	if err != nil {
		return "", 0, err
	}
	in, _, err := inspect(filepath.Dir(path), &store.Model{Name: "probe", Layout: store.LayoutFiles, Program: filepath.Base(path)})
	if err != nil {
		return "", 0, err
	}
	if len(in) == 0 {
		return "", 0, errors.Errorf("%s: no inputs", path)
	}
	rest, ok := strings.CutPrefix(in[0].Name, "@HUB_")
	name, _, ok2 := strings.Cut(rest, "@")
	if !ok || !ok2 {
		return "", 0, errors.Errorf("%s: input %s names no PaddleHub module", path, in[0].Name)
	}
	return name, binary.LittleEndian.Uint16(head), nil
}

// isFaceLiteDir reports whether dir (or a folder in it) holds a PaddleHub face model.
func isFaceLiteDir(dir string, inspect InspectFunc) bool { return len(liteModels(dir, inspect)) > 0 }

// pick returns the first model of a module among models.
func pick(models []liteModel, module string) (liteModel, bool) {
	for _, m := range models {
		if m.module == module {
			return m, true
		}
	}
	return liteModel{}, false
}

// FaceDetectorMissingError: a mask classifier was found but no face detector to run first.
type FaceDetectorMissingError struct{ Dir string }

func (e *FaceDetectorMissingError) Error() string {
	return "the mask classifier in " + e.Dir + " needs PyramidBox-Lite's face detector, which was found " +
		"neither there, nor in a folder next to it, nor installed: install it first " +
		"(gohub install DIR, DIR holding the pyramidbox_lite model.nb), then this folder again"
}

// importFaceLite maps a folder of PaddleHub face models to a face_detection module: the
// mask module when the folder has the mask classifier, else the faces-only one.
func importFaceLite(root string, spec Spec) (*store.Manifest, error) {
	found := liteModels(root, spec.Inspect)
	mask, isMask := pick(found, maskModule)
	face, hasFace := pick(found, faceModule)
	if isMask && !hasFace {
		face, hasFace = siblingFace(root, spec.Inspect)
	}
	if isMask && !hasFace && spec.Home != nil {
		if inst, err := spec.Home.Lookup(faceModule); err == nil && inst.Manifest.Kind == store.KindFaceDetection {
			if mo, err := inst.Manifest.Model(store.FaceModel); err == nil && mo.ParamsInProgram() {
				face, hasFace = liteModel{path: filepath.Join(inst.Dir, filepath.FromSlash(mo.Program)), module: faceModule}, true
			}
		}
	}
	if !hasFace {
		return nil, &FaceDetectorMissingError{Dir: root}
	}
	m := &store.Manifest{Version: ModelDirVersion, Kind: store.KindFaceDetection}
	m.Preprocess, m.Postprocess = faceRecipe()
	add := func(name string, lm liteModel) error {
		dst := filepath.Join(spec.Dst, "model", name)
		if err := os.MkdirAll(dst, 0o755); err != nil {
			return store.CheckDiskFull(errors.Wrap(err, "stage module"), dst)
		}
		// The face detector may come from elsewhere than the folder being imported: copy it.
		move := spec.Move && strings.HasPrefix(lm.path, filepath.Clean(root)+string(filepath.Separator))
		if err := store.Transfer(lm.path, filepath.Join(dst, "model.nb"), move); err != nil {
			return err
		}
		mo, err := detectModel(spec.Dst, dst, name)
		if err != nil {
			return err
		}
		m.Models = append(m.Models, mo)
		return nil
	}
	if isMask {
		m.Name = maskModule
		m.Summary = "PyramidBox-Lite face detection, then a classifier telling MASK from NO MASK on each face (Paddle-Lite)"
		if err := add(store.MaskModel, mask); err != nil {
			return nil, err
		}
		labels := filepath.Join(spec.Dst, "assets", "label_list.txt")
		if err := os.MkdirAll(filepath.Dir(labels), 0o755); err != nil {
			return nil, store.CheckDiskFull(errors.Wrap(err, "stage module"), labels)
		}
		if err := os.WriteFile(labels, []byte(maskLabels), 0o644); err != nil {
			return nil, store.CheckDiskFull(errors.Wrap(err, "stage module"), labels)
		}
		m.Assets = map[string]string{store.AssetLabelList: "assets/label_list.txt"}
	} else {
		m.Name = faceModule
		m.Summary = "PyramidBox-Lite face detection: faces with a confidence and a box (Paddle-Lite)"
	}
	if err := add(store.FaceModel, face); err != nil {
		return nil, err
	}
	return m, nil
}

// siblingFace looks for the face detector in the folders next to root.
func siblingFace(root string, inspect InspectFunc) (liteModel, bool) {
	parent := filepath.Dir(filepath.Clean(root))
	entries, err := os.ReadDir(parent)
	if err != nil {
		return liteModel{}, false
	}
	for _, e := range entries {
		d := filepath.Join(parent, e.Name())
		if !e.IsDir() || d == filepath.Clean(root) {
			continue
		}
		if lm, ok := pick(liteModels(d, inspect), faceModule); ok {
			return lm, true
		}
	}
	return liteModel{}, false
}
