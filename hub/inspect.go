package hub

import (
	"path/filepath"
	"slices"

	"github.com/gohub/gohub/paddle"
)

// InspectModel loads a model of an installed (or staged) module and reads its declared
// inputs and outputs from the program.
func InspectModel(dir string, mo *Model) (inputs, outputs []TensorSpec, err error) {
	cfg, err := paddle.NewConfig()
	if err != nil {
		return nil, nil, err
	}
	switch mo.Layout {
	case LayoutFiles:
		params := ""
		if mo.Params != "" {
			params = filepath.Join(dir, filepath.FromSlash(mo.Params))
		}
		err = cfg.SetModel(filepath.Join(dir, filepath.FromSlash(mo.Program)), params)
	default:
		err = cfg.SetModelDir(filepath.Join(dir, filepath.FromSlash(mo.Dir)))
	}
	if err == nil {
		err = cfg.DisableGlogInfo()
	}
	if err != nil {
		cfg.Destroy()
		return nil, nil, err
	}
	pred, err := paddle.NewPredictor(cfg)
	if err != nil {
		return nil, nil, err
	}
	defer pred.Destroy()
	in, err := pred.GetInputInfos()
	if err != nil {
		return nil, nil, err
	}
	out, err := pred.GetOutputInfos()
	if err != nil {
		return nil, nil, err
	}
	return tensorSpecs(in), tensorSpecs(out), nil
}

// tensorSpecs converts the library's declarations, dropping those whose type it could not
// name (a spec without a known dtype would not validate).
func tensorSpecs(infos []paddle.IOInfo) []TensorSpec {
	var out []TensorSpec
	for _, i := range infos {
		if dt := i.Type.String(); slices.Contains(DTypes, dt) {
			out = append(out, TensorSpec{Name: i.Name, DType: dt, Shape: i.Shape})
		}
	}
	return out
}
