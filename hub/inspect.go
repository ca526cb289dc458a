package hub

import (
	"path/filepath"
	"slices"

	"github.com/gohub/gohub/hub/internal/modelload"
	"github.com/gohub/gohub/hub/store"
	"github.com/gohub/gohub/paddle"
)

// InspectModel loads a model of an installed (or staged) module and reads its declared
// inputs and outputs from the program.
func InspectModel(dir string, mo *store.Model) (inputs, outputs []store.TensorSpec, err error) {
	files := modelload.Model{Dir: filepath.Join(dir, filepath.FromSlash(mo.Dir))}
	if mo.Layout == store.LayoutFiles {
		files = modelload.Model{Program: filepath.Join(dir, filepath.FromSlash(mo.Program))}
		if mo.Params != "" {
			files.Params = filepath.Join(dir, filepath.FromSlash(mo.Params))
		}
	}
	pred, err := modelload.Open("model "+mo.Name, files, modelload.Device{})
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
func tensorSpecs(infos []paddle.IOInfo) []store.TensorSpec {
	var out []store.TensorSpec
	for _, i := range infos {
		if dt := i.Type.String(); slices.Contains(store.DTypes, dt) {
			out = append(out, store.TensorSpec{Name: i.Name, DType: dt, Shape: i.Shape})
		}
	}
	return out
}
