package hub

import (
	"github.com/pkg/errors"

	"github.com/gohub/gohub/hub/imgcls"
	"github.com/gohub/gohub/hub/store"
)

// WithTopK sets how many classes an image-classification module returns per image; the
// default is the module's top_k (else 1, as PaddleHub).
func WithTopK(k int) Option { return func(o *loadOptions) { o.image.TopK = k } }

// FindManifest reads the manifest of an installed module, or of the module directory at
// a path, as Load finds it, without loading its model.
func FindManifest(name string, opts ...Option) (*store.Manifest, error) {
	var o loadOptions
	for _, opt := range opts {
		opt(&o)
	}
	_, m, err := o.find(name)
	return m, err
}

// openClassifier opens the model as an image classifier: its label_list asset and the
// manifest's preprocess and postprocess maps (imgcls.ParseConfig).
func (m *Module) openClassifier(opts imgcls.Options) error {
	cfg, err := imgcls.ParseConfig(m.Manifest.Preprocess, m.Manifest.Postprocess)
	if err != nil {
		return &store.ManifestError{Field: "preprocess/postprocess", Reason: err.Error()}
	}
	f := imgcls.Files{Config: cfg}
	mf := m.modelFiles(m.Model)
	f.ModelDir, f.Program, f.Params = mf.Dir, mf.Program, mf.Params
	if f.Labels, err = m.labelList(); err != nil {
		return err
	}
	f.Output = m.resultOutput()
	m.classifier, err = imgcls.OpenFiles(f, opts)
	return err
}

// Classify runs an image-classification module on image files: per image, its top
// classes with their probabilities, most probable first.
func (m *Module) Classify(paths []string) ([]imgcls.Result, error) {
	if m.classifier == nil {
		return nil, errors.Errorf("module %s is a %s module: Classify needs an image classification one", m.Manifest.Name, m.Manifest.Kind)
	}
	return m.classifier.Classify(paths)
}
