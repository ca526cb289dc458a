package finetune

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/pkg/errors"

	"github.com/gohub/gohub/hub/store"
	"github.com/gohub/gohub/paddle"
	"github.com/gohub/gohub/paddle/framework"
	"github.com/gohub/gohub/readers/dataset"
	"github.com/gohub/gohub/readers/imgbatch"
)

// LabelFile is the class list written beside the best model, one name per line.
const LabelFile = "label_list.txt"

// saveBestModel writes the inference model (image in, probabilities out), its labels and a
// module.yaml, so that the directory is at once a Paddle model directory and a gohub
// module: gohub install DIR --name NAME, then gohub run NAME --input_path photo.jpg
// classifies with the training's own preprocessing.
func (t *ImageClassifierTask) saveBestModel(dir string) error {
	return replaceDir(dir, func(tmp string) error {
		if err := paddle.SaveInferenceModel(t.ps.fwd, t.scope, tmp, []string{t.ps.image}, []string{t.ps.head.probs}); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(tmp, LabelFile), []byte(strings.Join(t.data.Labels, "\n")+"\n"), 0o644); err != nil {
			return err
		}
		return t.bestModelManifest().Save(tmp)
	})
}

// bestModelManifest describes the best model as an image classification module.
func (t *ImageClassifierTask) bestModelManifest() *store.Manifest {
	pre := t.reader.Preprocess()
	n := pre.Normalize
	recipe := map[string]any{
		"interpolation": pre.Filter.String(),
		"channel_order": strings.ToLower(n.Order.String()),
		"scale":         1 / float64(n.Divisor),
		"mean":          n.Mean[:],
		"std":           n.Std[:],
	}
	if pre.ResizeShort > 0 {
		recipe["resize_short"], recipe["crop"] = pre.ResizeShort, []int{pre.Width, pre.Height}
	} else {
		recipe["resize"] = []int{pre.Width, pre.Height}
	}
	return &store.Manifest{
		Name: t.module.Module + "_finetuned", Version: "1.0.0", Kind: store.KindImageClassification,
		Summary: fmt.Sprintf("%s fine-tuned to %d classes (%s)", t.module.Module, len(t.data.Labels), strings.Join(t.data.Labels, ", ")),
		Models: []store.Model{{Name: "classification", Layout: store.LayoutDir, Dir: ".",
			Inputs:  []store.TensorSpec{{Name: t.ps.image, DType: "float32", Shape: []int64{-1, 3, int64(pre.Height), int64(pre.Width)}}},
			Outputs: []store.TensorSpec{{Name: t.ps.head.probs, DType: "float32", Shape: []int64{-1, int64(len(t.data.Labels))}}}}},
		Assets:      map[string]string{"label_list": LabelFile},
		Preprocess:  recipe,
		Postprocess: map[string]any{"softmax": false},
	}
}

// Prediction is the class a model gives an image.
type Prediction struct {
	Path  string
	Class int
	Label string
	Prob  float32
	Probs []float32
}

// Predict classifies images with the best model when one was saved (PaddleHub's
// load_best_model=True), else with the parameters trained so far.
func (t *ImageClassifierTask) Predict(ctx context.Context, paths []string) ([]Prediction, error) {
	if len(paths) == 0 {
		return nil, nil
	}
	if err := t.init(); err != nil {
		return nil, err
	}
	runtime.LockOSThread() // one OpenMP team for all the batches (see finetune)
	defer runtime.UnlockOSThread()
	var scope *paddle.Scope
	var exec *paddle.Executor
	var done func()
	var err error
	if dir := filepath.Join(t.cfg.CheckpointDir, bestModelDir); dirExists(dir) {
		scope, exec, done, err = t.scopeFromModel(t.ps.predict, dir)
	} else {
		scope, exec, done, err = t.execOn(t.ps.predict, t.scope)
	}
	if err != nil {
		return nil, err
	}
	defer done()
	examples := make([]dataset.Example, len(paths))
	for i, p := range paths {
		examples[i] = dataset.Example{Path: p, Label: -1}
	}
	it := t.reader.Epoch(ctx, examples, imgbatch.EpochOptions{BatchSize: t.cfg.BatchSize, Seed: uint64(t.cfg.Seed)})
	defer it.Close()
	var out []Prediction
	for {
		b, err := it.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		err = scope.SetFloat32(t.ps.image, []int64{int64(b.N), 3, int64(b.H), int64(b.W)}, b.Images)
		if err == nil {
			err = exec.Run()
		}
		var probs []float32
		if err == nil {
			probs, err = scope.Float32(t.ps.head.probs)
		}
		if err != nil {
			b.Release()
			return nil, errors.WithMessage(err, "predict")
		}
		c := len(probs) / b.N
		for i, cls := range argmaxRows(probs, b.N) {
			row := append([]float32(nil), probs[i*c:(i+1)*c]...)
			out = append(out, Prediction{Path: b.Paths[i], Class: int(cls), Label: t.data.Labels[cls], Prob: row[cls], Probs: row})
		}
		b.Release()
	}
}

// scopeFromModel loads a saved model's parameters into a scope of its own and makes an
// executor of prog over it; done releases both.
func (t *ImageClassifierTask) scopeFromModel(prog *framework.Program, dir string) (*paddle.Scope, *paddle.Executor, func(), error) {
	scope, err := paddle.NewScope()
	if err != nil {
		return nil, nil, nil, err
	}
	p, err := newPaddleProgram(prog)
	if err != nil {
		scope.Destroy()
		return nil, nil, nil, err
	}
	defer p.Destroy()
	if err := scope.LoadPersistables(p, dir); err != nil {
		scope.Destroy()
		return nil, nil, nil, errors.WithMessagef(err, "load %s", dir)
	}
	_, exec, done, err := t.execOn(prog, scope)
	if err != nil {
		scope.Destroy()
		return nil, nil, nil, err
	}
	return scope, exec, func() { done(); scope.Destroy() }, nil
}

// execOn makes an executor of prog over scope; done destroys it.
func (t *ImageClassifierTask) execOn(prog *framework.Program, scope *paddle.Scope) (*paddle.Scope, *paddle.Executor, func(), error) {
	p, err := newPaddleProgram(prog)
	if err != nil {
		return nil, nil, nil, err
	}
	defer p.Destroy()
	exec, err := newExecutor(p, scope, t.cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	return scope, exec, exec.Destroy, nil
}

// newExecutor makes an executor, on the GPU with cfg.UseGPU, that frees each activation and
// gradient after its last use: the task reads only the fetch targets.
func newExecutor(p *paddle.Program, scope *paddle.Scope, cfg RunConfig) (*paddle.Executor, error) {
	var exec *paddle.Executor
	var err error
	if cfg.UseGPU {
		exec, err = paddle.NewExecutorOnGPU(p, scope, cfg.Threads, paddle.GPU{ID: cfg.GPUID, TF32: cfg.TF32})
	} else {
		exec, err = paddle.NewExecutor(p, scope, cfg.Threads)
	}
	if err != nil {
		return nil, err
	}
	if err := exec.FreeIntermediates(true); err != nil {
		exec.Destroy()
		return nil, err
	}
	return exec, nil
}

func newPaddleProgram(p *framework.Program) (*paddle.Program, error) {
	b, err := p.Bytes()
	if err != nil {
		return nil, err
	}
	return paddle.NewProgram(b)
}

func dirExists(dir string) bool {
	fi, err := os.Stat(dir)
	return err == nil && fi.IsDir()
}
