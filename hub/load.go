package hub

import (
	"os"
	"path/filepath"

	"github.com/pkg/errors"

	"github.com/gohub/gohub/hub/kind"
	"github.com/gohub/gohub/hub/store"
)

// Module is an installed module, loaded and ready to run:
//
//	m, err := hub.Load("lac")
//	defer m.Close()
//	res, err := m.Cut([]string{"今天是个好日子"})
//
// The method that fits its kind works (Cut for lexical analysis, Classify for image
// classification, Detect for object detection, DetectFaces for faces); the others return
// an error. A Module is safe for concurrent use.
type Module struct {
	Dir      string
	Manifest *store.Manifest
	Model    *store.Model // the model that runs

	instance kind.Instance
}

// Load loads an installed module by name, or the module directory at a path (an argument
// with a path separator, so that a folder named like a module never shadows it), and
// opens it as its kind. A module that is not installed gives an error wrapping
// store.ErrNotInstalled, whose message says how to install it.
func Load(name string, opts ...Option) (*Module, error) {
	o := newLoadOptions(opts)
	dir, m, err := o.find(name)
	if err != nil {
		return nil, err
	}
	model, err := m.Model(o.model)
	if err != nil {
		return nil, err
	}
	open, ok := kind.Lookup(m.Kind)
	if !ok {
		return nil, errors.Errorf("load module %s: gohub cannot run %s modules yet", m.Name, m.Kind)
	}
	inst, err := open(&kind.Module{Dir: dir, Manifest: m, Model: model}, o.run, o.settings)
	if err != nil {
		return nil, errors.WithMessagef(err, "load module %s", m.Name)
	}
	return &Module{Dir: dir, Manifest: m, Model: model, instance: inst}, nil
}

// FindManifest reads the manifest of an installed module, or of the module directory at
// a path, as Load finds it, without loading its model.
func FindManifest(name string, opts ...Option) (*store.Manifest, error) {
	_, m, err := newLoadOptions(opts).find(name)
	return m, err
}

// find locates the module and reads its manifest.
func (o loadOptions) find(name string) (string, *store.Manifest, error) {
	if isPath(name) {
		if _, err := os.Stat(filepath.Join(name, store.ManifestFile)); err != nil {
			return "", nil, errors.Wrapf(err, "%s is not a module directory", name)
		}
		m, err := store.LoadManifest(name)
		return name, m, err
	}
	home := o.home
	if home == nil {
		h, err := store.DefaultHome()
		if err != nil {
			return "", nil, err
		}
		home = &h
	}
	inst, err := home.Lookup(name)
	if err != nil {
		return "", nil, err
	}
	return inst.Dir, inst.Manifest, nil
}

// Close releases the module's predictors once calls in progress have returned.
func (m *Module) Close() error { return m.instance.Close() }

// wrongKind is the error of a run method called on a module of another kind.
func (m *Module) wrongKind(method, want string) error {
	return errors.Errorf("module %s is a %s module: %s needs %s one", m.Manifest.Name, m.Manifest.Kind, method, want)
}
