package hub

import (
	"github.com/pkg/errors"

	"github.com/gohub/gohub/hub/detect"
	"github.com/gohub/gohub/hub/store"
)

// WithScoreThreshold sets the score below which an object-detection module drops
// detections; the default is the module's score_threshold (else 0.5, as PaddleHub).
func WithScoreThreshold(v float64) Option {
	return func(o *loadOptions) { o.detect.ScoreThreshold = detect.Threshold(v) }
}

// WithVisualization has an object-detection module also save each picture with its boxes
// drawn, under dir ("" means detect.DefaultOutputDir, "detection_result").
func WithVisualization(dir string) Option {
	return func(o *loadOptions) { o.detect.Visualize, o.detect.OutputDir = true, dir }
}

// openDetector opens the model as an object detector: its label_list asset and the
// manifest's preprocess and postprocess maps (detect.ParseConfig).
func (m *Module) openDetector(opts detect.Options) error {
	cfg, err := detect.ParseConfig(m.Manifest.Preprocess, m.Manifest.Postprocess)
	if err != nil {
		return &store.ManifestError{Field: "preprocess/postprocess", Reason: err.Error()}
	}
	f := detect.Files{Config: cfg}
	mf := m.modelFiles(m.Model)
	f.ModelDir, f.Program, f.Params = mf.Dir, mf.Program, mf.Params
	if f.Labels, err = m.labelList(); err != nil {
		return err
	}
	f.Output = m.resultOutput()
	m.detector, err = detect.Open(f, opts)
	return err
}

// Detect runs an object-detection module on picture files: per picture, the objects found
// (label, confidence, box in pixels), as PaddleHub's object_detection returns them.
func (m *Module) Detect(paths []string) ([]detect.Result, error) {
	if m.detector == nil {
		return nil, errors.Errorf("module %s is a %s module: Detect needs an object detection one", m.Manifest.Name, m.Manifest.Kind)
	}
	return m.detector.Detect(paths)
}
