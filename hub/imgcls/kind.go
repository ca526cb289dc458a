package imgcls

import (
	"github.com/gohub/gohub/hub/kind"
	"github.com/gohub/gohub/hub/store"
)

func init() { kind.Register(store.KindImageClassification, open) }

// open opens an image-classification module: its model, its label_list asset and the
// manifest's preprocess and postprocess maps (ParseConfig).
func open(m *kind.Module, run kind.RunOptions, settings []kind.Setting) (kind.Instance, error) {
	cfg, err := ParseConfig(m.Manifest.Preprocess, m.Manifest.Postprocess)
	if err != nil {
		return nil, kind.ConfigError(err)
	}
	model := m.Files(m.Model)
	f := Files{ModelDir: model.Dir, Program: model.Program, Params: model.Params, Output: m.Output(), Config: cfg}
	if f.Labels, err = m.Asset(store.AssetLabelList, ""); err != nil {
		return nil, err
	}
	opts := Options{RunOptions: run}
	kind.Apply(settings, &opts)
	c, err := OpenFiles(f, opts)
	if err != nil {
		return nil, err
	}
	return c, nil
}
