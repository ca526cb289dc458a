package imgcls

import (
	"os"
	"path/filepath"

	"github.com/gohub/gohub/readers/labels"
	"github.com/pkg/errors"
)

// DefaultBatchSize is the number of images per model run when Options leave it 0: 1, as
// PaddleHub's classification(batch_size=1). Batching does not change results.
const DefaultBatchSize = 1

// Options tune a Classifier. The zero value runs on one CPU thread, one image at a time,
// with the module's top_k (else 1).
type Options struct {
	// TopK is the number of classes returned per image; 0 means the Config's.
	TopK int
	// BatchSize is the number of images per model run; 0 means DefaultBatchSize.
	BatchSize int
	// Threads is the number of batches run in parallel, one predictor each; 0 means 1.
	Threads int
	// UseGPU runs the model on GPU GPUDevice; it fails where the library has no GPU support.
	UseGPU    bool
	GPUDevice int
}

func (o Options) withDefaults(cfg Config) (Options, error) {
	if o.TopK < 0 || o.BatchSize < 0 || o.Threads < 0 || o.GPUDevice < 0 {
		return o, errors.Errorf("imgcls: top k %d, batch size %d, threads %d and GPU device %d must not be negative",
			o.TopK, o.BatchSize, o.Threads, o.GPUDevice)
	}
	if o.TopK == 0 {
		o.TopK = cfg.TopK
	}
	if o.BatchSize == 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.Threads == 0 {
		o.Threads = 1
	}
	return o, nil
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
