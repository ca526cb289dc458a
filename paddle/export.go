package paddle

import (
	"os"
	"path/filepath"

	"github.com/pkg/errors"

	"github.com/gohub/gohub/paddle/framework"
)

// SaveInferenceModel writes what Paddle's save_inference_model writes for a trained program:
// dir/__model__ (framework.InferenceProgram: backward and optimizer ops dropped, pruned to
// feeds and fetches, is_test set, feed and fetch ops added) and one LoDTensor file per
// persistable variable of that program (parameters and batch-norm running statistics) with
// its value in scope. Official Paddle Inference and this library load the directory as a
// model (Config.SetModelDir).
func SaveInferenceModel(prog *framework.Program, scope *Scope, dir string, feeds, fetches []string) error {
	inf, err := framework.InferenceProgram(prog, feeds, fetches)
	if err != nil {
		return errors.Wrap(err, "SaveInferenceModel")
	}
	desc, err := inf.Bytes()
	if err != nil {
		return errors.Wrap(err, "SaveInferenceModel")
	}
	for _, name := range inf.Parameters() {
		if !scope.Has(name) {
			return errors.Errorf("SaveInferenceModel: the scope has no variable %q", name)
		}
	}
	p, err := NewProgram(desc)
	if err != nil {
		return errors.Wrap(err, "SaveInferenceModel")
	}
	defer p.Destroy()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return errors.Wrap(err, "SaveInferenceModel")
	}
	if err := os.WriteFile(filepath.Join(dir, "__model__"), desc, 0o644); err != nil {
		return errors.Wrap(err, "SaveInferenceModel")
	}
	return errors.Wrap(scope.SavePersistables(p, dir), "SaveInferenceModel")
}
