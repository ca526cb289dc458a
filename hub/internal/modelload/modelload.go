// Package modelload creates the Paddle predictor behind a module kind: the model files checked
// first (so a missing one is named by its path), GPU on request, Paddle's log quiet.
package modelload

import (
	"os"
	"slices"
	"strings"

	"github.com/pkg/errors"

	"github.com/gohub/gohub/internal/settings"
	"github.com/gohub/gohub/paddle"
)

// gpuMemoryMB is the initial GPU memory pool, the value PaddleHub's modules and LAC use.
const gpuMemoryMB = 500

// Model names a model: a directory (one file per parameter), a program and a params file,
// or a Paddle-Lite .nb program alone (it carries its parameters).
type Model struct {
	Dir, Program, Params string
}

// Device says where a model runs.
type Device struct {
	GPU  bool // on GPU ID instead of the CPU
	ID   int
	TF32 bool // allow TF32 math on the GPU (paddle.Config.SetGpuTF32)
}

// Open loads m to run on dev; kind prefixes error messages (e.g. "lexical").
func Open(kind string, m Model, dev Device) (*paddle.Predictor, error) {
	if err := check(kind, m); err != nil {
		return nil, err
	}
	cfg, err := paddle.NewConfig()
	if err != nil {
		return nil, err
	}
	if m.Dir != "" {
		err = cfg.SetModelDir(m.Dir)
	} else {
		err = cfg.SetModel(m.Program, m.Params)
	}
	if err == nil {
		err = useDevice(cfg, dev)
	}
	if err == nil {
		err = cfg.DisableGlogInfo()
	}
	if err != nil {
		cfg.Destroy()
		return nil, err
	}
	pred, err := paddle.NewPredictor(cfg) // takes cfg over
	return pred, errors.WithMessage(err, kind+": load model")
}

// useDevice sets cfg up for dev. The library refuses a GPU only when the predictor is
// created, with the reason (no CUDA backend, no GPU), so --use_gpu is never ignored.
func useDevice(cfg *paddle.Config, dev Device) error {
	if !dev.GPU {
		// Activation buffers reused within a run: the next op writes to memory still in
		// cache (ShuffleNetV2 at batch 1 runs 6-10% faster). Only outputs are read here.
		return errors.WithMessage(cfg.EnableMemoryOptim(true), "reuse activation buffers")
	}
	if err := cfg.EnableUseGpu(gpuMemoryMB, int32(dev.ID)); err != nil {
		return errors.WithMessage(err, "use GPU")
	}
	if dev.TF32 {
		if err := cfg.SetGpuTF32(true); err != nil {
			return errors.WithMessage(err, "use TF32 on the GPU")
		}
	}
	// Recorded runs: a module runs batch after batch of one shape, and a small batch is bound
	// by the host's time to queue each kernel. Only gohub's library records; the official one
	// runs as it does.
	if settings.CUDAGraphsWanted() {
		if err := cfg.SetGpuGraph(true); err != nil && !errors.Is(err, paddle.ErrNoExtension) {
			return errors.WithMessage(err, "record runs as CUDA graphs")
		}
	}
	return nil
}

// check reports a missing model by its path before Paddle reports it vaguely.
func check(kind string, m Model) error {
	paths := []string{m.Program, m.Params}
	if m.Dir != "" {
		paths = []string{m.Dir}
	} else if m.Params == "" && strings.HasSuffix(m.Program, ".nb") {
		paths = []string{m.Program}
	}
	for _, p := range paths {
		if p == "" {
			return errors.New(kind + ": no model given (want a model directory, or a program and a params file)")
		}
		if _, err := os.Stat(p); err != nil {
			return errors.Wrap(err, kind+": model")
		}
	}
	return nil
}

// IONames returns the names of a model's image input (its first) and of its result: want
// where the model has an output of that name, else its first output.
func IONames(kind string, pred *paddle.Predictor, want string) (string, string, error) {
	in, err := pred.GetInputNames()
	if err != nil {
		return "", "", err
	}
	out, err := pred.GetOutputNames()
	if err != nil {
		return "", "", err
	}
	if len(in) == 0 || len(out) == 0 {
		return "", "", errors.Errorf("%s: want a model with an input and an output, got %v and %v", kind, in, out)
	}
	if want != "" && slices.Contains(out, want) {
		return in[0], want, nil
	}
	return in[0], out[0], nil
}
