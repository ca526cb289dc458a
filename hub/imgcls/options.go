package imgcls

import (
	"os"
	"path/filepath"

	"github.com/gohub/gohub/hub/kind"
	"github.com/gohub/gohub/readers/labels"
	"github.com/pkg/errors"
)

// DefaultBatchSize is the number of images per model run when Options leave it 0: 1, as
// PaddleHub's classification(batch_size=1). Batching does not change results.
const DefaultBatchSize = 1

// Options tune a Classifier. The zero value runs on one CPU thread, one image at a time,
// with the module's top_k (else 1).
type Options struct {
	kind.RunOptions // BatchSize 0 means DefaultBatchSize
	// TopK is the number of classes returned per image; 0 means the Config's.
	TopK int
}

// WithTopK sets Options.TopK for hub.Load.
func WithTopK(k int) kind.Setting {
	return func(o any) {
		if o, ok := o.(*Options); ok {
			o.TopK = k
		}
	}
}

func (o Options) withDefaults(cfg Config) (Options, error) {
	if o.TopK < 0 {
		return o, errors.Errorf("imgcls: top k %d must not be negative", o.TopK)
	}
	if o.TopK == 0 {
		o.TopK = cfg.TopK
	}
	var err error
	o.RunOptions, err = o.RunOptions.WithDefaults("imgcls", DefaultBatchSize)
	return o, err
}

// Files locates a model, its label file and its recipe: ModelDir for a directory with
// __model__ and one file per parameter, or Program and Params for a combined model.
type Files struct {
	ModelDir        string
	Program, Params string
	Labels          string // one class per line, in the model's output order
	// Output names the model output holding the class scores; "" means its first.
	Output string
	Config Config
}

// DirFiles returns the Files of a plain model directory: the model in dir itself
// (__model__ and parameter files, or __model__ + __params__), its label file (labels.Find)
// and PaddleHub's default recipe.
func DirFiles(dir string) (Files, error) {
	rel, err := labels.Find(dir)
	if err != nil {
		return Files{}, errors.WithMessage(err, "imgcls")
	}
	f := Files{ModelDir: dir, Labels: filepath.Join(dir, filepath.FromSlash(rel)), Config: DefaultConfig()}
	if params := filepath.Join(dir, "__params__"); fileExists(params) {
		f = Files{Program: filepath.Join(dir, "__model__"), Params: params, Labels: f.Labels, Config: f.Config}
	}
	return f, nil
}

func fileExists(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir()
}
