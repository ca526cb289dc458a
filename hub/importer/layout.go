package importer

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/gohub/gohub/hub/store"
	"github.com/pkg/errors"
)

// layout is a directory layout gohub can turn into a module.
type layout int

const (
	layoutNone       layout = iota
	layoutGohub             // module.yaml
	layoutPaddleHub1        // module_desc.pb + model/ + assets/
	layoutPaddleHub2        // module.py + an inference model dir + assets
	layoutLACPackage        // the LAC package from PyPI: LAC/{lac,seg,rank}_model/{model,conf}
	layoutModelDir          // a plain inference model with a label file: a classifier or detector
	layoutLACLite           // a Paddle-Lite LAC model: model.nb + word.dic, q2b.dic, tag.dic
	layoutFaceLite          // PaddleHub's face detector or mask classifier as Paddle-Lite model.nb
)

// Spec says what to import and how.
type Spec struct {
	Src    string      // the tree to read: an extracted archive or a user's directory
	Dst    string      // the module directory to create; must not exist yet
	Move   bool        // rename files out of src (a throwaway extraction) instead of copying
	Origin string      // recorded as Manifest.Source, e.g. the archive's name
	Home   *store.Home // the store installed into, for modules that take files from installed ones
	// Inspect loads a model and reads its inputs and outputs; Paddle-Lite face models are
	// recognised by their input's name. nil: such folders are not recognised.
	Inspect InspectFunc
}

// InspectFunc loads the model mo of the module in dir and returns its declared inputs
// and outputs.
type InspectFunc func(dir string, mo *store.Model) (inputs, outputs []store.TensorSpec, err error)

// Import recognises the layout under spec.src and writes a gohub module to spec.dst.
// The manifest it returns is not saved yet: the installer finishes it (checksums, inputs).
func Import(spec Spec) (*store.Manifest, error) {
	root, kind, err := findLayout(spec.Src, spec.Inspect)
	if err != nil {
		return nil, err
	}
	var m *store.Manifest
	switch kind {
	case layoutGohub:
		m, err = importGohub(root, spec)
	case layoutPaddleHub1:
		m, err = importPaddleHub1(root, spec)
	case layoutPaddleHub2:
		m, err = importPaddleHub2(root, spec)
	case layoutLACPackage:
		m, err = importLACPackage(root, spec)
	case layoutModelDir:
		m, err = importModelDir(root, spec)
	case layoutLACLite:
		m, err = importLACLite(root, spec)
	case layoutFaceLite:
		m, err = importFaceLite(root, spec)
	}
	if err != nil {
		return nil, err
	}
	m.Source = spec.Origin
	return m, nil
}

// NotAModuleError: a directory or archive holds no layout gohub recognises.
type NotAModuleError struct{ Path string }

func (e *NotAModuleError) Error() string {
	return e.Path + " is not a module: found no module.yaml (gohub), module_desc.pb (PaddleHub 1.x), " +
		"module.py (PaddleHub 2.x), LAC/lac_model (the LAC package from PyPI), " +
		"a Paddle-Lite model.nb with LAC's word.dic, q2b.dic and tag.dic (lac's mobile model), " +
		"PaddleHub's face detector or mask classifier as Paddle-Lite model.nb (pyramidbox_lite_mobile[_mask]) " +
		"or an inference model with a label file (an image classifier or object detector)"
}

// findLayout looks for a known layout at dir and, while there is exactly one
// subdirectory, below it: archives usually wrap a module in a top directory.
func findLayout(dir string, inspect InspectFunc) (string, layout, error) {
	start := dir
	for depth := 0; depth < 4; depth++ {
		if l := layoutOf(dir, inspect); l != layoutNone {
			return dir, l, nil
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			return "", layoutNone, errors.Wrap(err, "read module")
		}
		var subdirs []string
		for _, e := range entries {
			if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
				subdirs = append(subdirs, e.Name())
			}
		}
		if len(subdirs) != 1 {
			break
		}
		dir = filepath.Join(dir, subdirs[0])
	}
	return "", layoutNone, &NotAModuleError{Path: start}
}

func layoutOf(dir string, inspect InspectFunc) layout {
	switch {
	case exists(filepath.Join(dir, store.ManifestFile)):
		return layoutGohub
	case exists(filepath.Join(dir, "LAC", "lac_model", "model")):
		return layoutLACPackage
	case exists(filepath.Join(dir, "module_desc.pb")):
		return layoutPaddleHub1
	case exists(filepath.Join(dir, "module.py")):
		return layoutPaddleHub2
	case isLACLiteDir(dir):
		return layoutLACLite
	case isFaceLiteDir(dir, inspect):
		return layoutFaceLite
	case isClassifierDir(dir):
		return layoutModelDir
	}
	return layoutNone
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// detectModel works out how a directory stores a Paddle inference model and returns the
// model entry for it, paths relative to moduleDir.
func detectModel(moduleDir, modelDir, name string) (store.Model, error) {
	rel, err := filepath.Rel(moduleDir, modelDir)
	if err != nil {
		return store.Model{}, errors.Wrap(err, "locate model")
	}
	rel = filepath.ToSlash(rel)
	entries, err := os.ReadDir(modelDir)
	if err != nil {
		return store.Model{}, errors.Wrap(err, "read model directory")
	}
	has := map[string]bool{}
	var pdmodel, pdiparams string
	var nb []string
	for _, e := range entries {
		has[e.Name()] = true
		switch filepath.Ext(e.Name()) {
		case ".pdmodel":
			pdmodel = e.Name()
		case ".pdiparams":
			pdiparams = e.Name()
		case ".nb":
			nb = append(nb, e.Name())
		}
	}
	files := func(prog, params string) store.Model {
		return store.Model{Name: name, Layout: store.LayoutFiles, Program: rel + "/" + prog, Params: rel + "/" + params}
	}
	switch {
	case pdmodel != "" && pdiparams != "":
		return files(pdmodel, pdiparams), nil
	case has["__model__"] && has["__params__"]:
		return files("__model__", "__params__"), nil
	case has["__model__"]:
		return store.Model{Name: name, Layout: store.LayoutDir, Dir: rel}, nil
	case has["model"] && has["params"]:
		return files("model", "params"), nil
	case has["__model__.nb"] && has["param.nb"]: // Paddle-Lite before v2.7: topology, params
		return files("__model__.nb", "param.nb"), nil
	case len(nb) == 1: // Paddle-Lite's optimised model: topology and params in one file
		return store.Model{Name: name, Layout: store.LayoutFiles, Program: rel + "/" + nb[0]}, nil
	}
	return store.Model{}, &MissingFileError{What: "inference model in " + rel,
		Want: []string{"__model__", "*.pdmodel + *.pdiparams", "model + params", "model.nb (Paddle-Lite)"}}
}

// programFile is the path of model m's program, m being a model of the module in moduleDir.
func programFile(moduleDir string, m store.Model) string {
	if m.Layout == store.LayoutFiles {
		return filepath.Join(moduleDir, filepath.FromSlash(m.Program))
	}
	return filepath.Join(moduleDir, filepath.FromSlash(m.Dir), "__model__")
}

// isModelDir reports whether dir directly holds an inference model.
func isModelDir(dir string) bool {
	_, err := detectModel(dir, dir, "probe")
	return err == nil
}
