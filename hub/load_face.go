package hub

import (
	"github.com/pkg/errors"

	"github.com/gohub/gohub/hub/facedet"
	"github.com/gohub/gohub/hub/internal/modelload"
	"github.com/gohub/gohub/hub/internal/msg"
	"github.com/gohub/gohub/hub/store"
)

// WithConfsThreshold sets the confidence a face must exceed (PaddleHub's confs_threshold;
// the module's default is 0.6).
func WithConfsThreshold(v float64) Option {
	return func(o *loadOptions) { o.faces.ConfThreshold = &v }
}

// WithShrink sets the factor pictures are resized by before face detection (PaddleHub's
// shrink; the module's default is 0.5).
func WithShrink(v float64) Option { return func(o *loadOptions) { o.faces.Shrink = &v } }

// WithFaceVisualization has a face module also save each picture with its faces drawn,
// under dir ("" means facedet.DefaultOutputDir, "detection_result").
func WithFaceVisualization(dir string) Option {
	return func(o *loadOptions) { o.faces.Visualize, o.faces.OutputDir = true, dir }
}

// openFaces opens a face_detection module: its "face" model, and its "mask" model with the
// label_list asset unless the model asked for is "face".
func (m *Module) openFaces(opts facedet.Options) error {
	cfg, err := facedet.ParseConfig(m.Manifest.Preprocess, m.Manifest.Postprocess)
	if err != nil {
		return &store.ManifestError{Field: "preprocess/postprocess", Reason: err.Error()}
	}
	face, err := m.Manifest.Model(store.FaceModel)
	if err != nil {
		return err
	}
	f := facedet.Files{Face: m.modelFiles(face), Config: cfg}
	if m.Model.Name != store.FaceModel {
		mask := m.modelFiles(m.Model)
		f.Mask = &mask
		rel, ok := m.Manifest.Asset(m.Model, store.AssetLabelList)
		if !ok {
			return &store.ManifestError{Field: "assets", Reason: "model " + msg.Quote(m.Model.Name) + " needs a " + msg.Quote(store.AssetLabelList) + " (NO MASK, MASK)"}
		}
		f.MaskLabels = m.path(rel)
	}
	m.faces, err = facedet.Open(f, opts)
	return err
}

// modelFiles locates a model's files for modelload.
func (m *Module) modelFiles(mo *store.Model) modelload.Model {
	if mo.Layout == store.LayoutDir {
		return modelload.Model{Dir: m.path(mo.Dir)}
	}
	p := modelload.Model{Program: m.path(mo.Program)}
	if mo.Params != "" {
		p.Params = m.path(mo.Params)
	}
	return p
}

// DetectFaces runs a face module on picture files: per picture, the faces found (box and
// confidence; with the mask module, label MASK or NO MASK and its confidence), as
// PaddleHub's face_detection returns them.
func (m *Module) DetectFaces(paths []string) ([]facedet.Result, error) {
	if m.faces == nil {
		return nil, errors.Errorf("module %s is a %s module: DetectFaces needs a face detection one", m.Manifest.Name, m.Manifest.Kind)
	}
	return m.faces.DetectFaces(paths)
}
