package facedet

import (
	"github.com/gohub/gohub/hub/kind"
	"github.com/gohub/gohub/hub/store"
)

func init() { kind.Register(store.KindFaceDetection, open) }

// WithConfsThreshold sets Options.ConfThreshold for hub.Load.
func WithConfsThreshold(v float64) kind.Setting {
	return func(o any) {
		if o, ok := o.(*Options); ok {
			o.ConfThreshold = &v
		}
	}
}

// WithShrink sets Options.Shrink for hub.Load.
func WithShrink(v float64) kind.Setting {
	return func(o any) {
		if o, ok := o.(*Options); ok {
			o.Shrink = &v
		}
	}
}

// WithVisualization sets Options.Visualize and OutputDir for hub.Load.
func WithVisualization(dir string) kind.Setting {
	return func(o any) {
		if o, ok := o.(*Options); ok {
			o.Visualize, o.OutputDir = true, dir
		}
	}
}

// open opens a face_detection module: its "face" model, and its "mask" model with the
// label_list asset unless the model asked for is "face".
func open(m *kind.Module, run kind.RunOptions, settings []kind.Setting) (kind.Instance, error) {
	cfg, err := ParseConfig(m.Manifest.Preprocess, m.Manifest.Postprocess)
	if err != nil {
		return nil, kind.ConfigError(err)
	}
	face, err := m.Manifest.Model(store.FaceModel)
	if err != nil {
		return nil, err
	}
	f := Files{Face: m.Files(face), Config: cfg}
	if m.Model.Name != store.FaceModel {
		mask := m.Files(m.Model)
		f.Mask = &mask
		if f.MaskLabels, err = m.Asset(store.AssetLabelList, "NO MASK, MASK"); err != nil {
			return nil, err
		}
	}
	opts := Options{RunOptions: run}
	kind.Apply(settings, &opts)
	d, err := Open(f, opts)
	if err != nil {
		return nil, err
	}
	return d, nil
}
