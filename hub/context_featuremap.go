package hub

import (
	"os"
	"path/filepath"

	"github.com/pkg/errors"

	"github.com/gohub/gohub/hub/internal/moduledesc"
	"github.com/gohub/gohub/hub/store"
	"github.com/gohub/gohub/paddle/framework"
)

// chooseFeatureMap returns the variable a context cuts the program at: the one named (the
// WithFeatureMap option), else the one the module's PaddleHub 1.x description gives as
// feature_map, else the input of the last fully connected layer.
func chooseFeatureMap(dir string, man *store.Manifest, model *store.Model, prog *framework.Program, named string) (string, error) {
	name, from := named, "the WithFeatureMap option"
	if p, ok := man.Asset(model, store.AssetModuleDesc); ok && name == "" {
		desc, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil {
			return "", errors.Wrap(err, "read the module's PaddleHub description")
		}
		if name, err = moduledesc.FeatureMap(desc); err != nil {
			return "", errors.WithMessage(err, p)
		}
		from = p
	}
	if name == "" {
		return findFeatureMap(prog)
	}
	if prog.Var(name) == nil {
		return "", &FeatureMapError{Name: name, From: from}
	}
	return name, nil
}

// FeatureMapError: the feature map a context was told to cut at is not a variable of the
// module's program.
type FeatureMapError struct {
	Name string
	From string // who named it: the option, or the module's description file
}

func (e *FeatureMapError) Error() string {
	return "feature map " + e.Name + " (named by " + e.From + ") is not a variable of the program"
}

// findFeatureMap returns the input of the last fully connected layer, a mul or matmul by a
// parameter (or a fused fc): the variable PaddleHub's image modules call feature_map,
// for a module that does not say which it is.
func findFeatureMap(p *framework.Program) (string, error) {
	ops := p.Ops()
	for i := len(ops) - 1; i >= 0; i-- {
		op := ops[i]
		var x, w string
		switch op.GetType() {
		case "mul", "matmul", "matmul_v2":
			x, w = inputArg(op, "X"), inputArg(op, "Y")
		case "fc":
			x, w = inputArg(op, "Input"), inputArg(op, "W")
		default:
			continue
		}
		if v := p.Var(w); v != nil && v.GetPersistable() {
			return x, nil
		}
	}
	return "", errors.New("no fully connected layer found to cut at; name the feature map")
}
