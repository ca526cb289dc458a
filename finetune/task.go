package finetune

import (
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pkg/errors"

	"github.com/gohub/gohub/hub"
	"github.com/gohub/gohub/paddle"
	"github.com/gohub/gohub/readers/dataset"
	"github.com/gohub/gohub/readers/imgbatch"
)

// ImageClassifierTask is PaddleHub's ImageClassifierTask: a module's feature map, a
// classifier head on top (optional hidden fc+relu layers, then fc with softmax), trained
// with cross-entropy on a data set, evaluated with the task's metrics.
//
//	task, err := finetune.NewImageClassifierTask(ctx, data, reader, finetune.RunConfig{NumEpoch: 3})
//	defer task.Close()
//	err = task.FinetuneAndEval(context.Background())
type ImageClassifierTask struct {
	cfg     RunConfig
	module  *hub.Context
	data    *dataset.CV
	reader  *imgbatch.Reader
	hidden  []int
	augment bool
	plan    *Plan

	ps    *programs
	scope *paddle.Scope
	eval  *paddle.Executor
	st    trainerState
	stats RunStats
	subs  []func(Event)
	ready bool
}

// TaskOption adjusts a task.
type TaskOption func(*ImageClassifierTask)

// WithHiddenUnits puts fc+relu layers of these widths between the feature map and the
// classifier, as PaddleHub's hidden_units.
func WithHiddenUnits(units ...int) TaskOption {
	return func(t *ImageClassifierTask) { t.hidden = append([]int(nil), units...) }
}

// WithAugmentation turns on the reader's augmentation of training images (off by default,
// as PaddleHub's data_augmentation).
func WithAugmentation(on bool) TaskOption {
	return func(t *ImageClassifierTask) { t.augment = on }
}

// NewImageClassifierTask builds the task's programs for module's context and data's
// classes. Nothing runs until Finetune, FinetuneAndEval, Eval or Predict.
func NewImageClassifierTask(module *hub.Context, data *dataset.CV, reader *imgbatch.Reader, cfg RunConfig, opts ...TaskOption) (*ImageClassifierTask, error) {
	cfg = cfg.withDefaults(timeNow())
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if len(data.Labels) < 2 {
		return nil, errors.Errorf("a classifier needs at least two classes, the data set has %d (label_list.txt)", len(data.Labels))
	}
	t := &ImageClassifierTask{cfg: cfg, module: module, data: data, reader: reader}
	for _, o := range opts {
		o(t)
	}
	for _, u := range t.hidden {
		if u < 1 {
			return nil, errors.Errorf("hidden units must be positive, got %v", t.hidden)
		}
	}
	var err error
	t.ps, err = newPrograms(module.Program, module.Inputs["image"], module.Outputs["feature_map"],
		len(data.Labels), t.hidden, cfg.AMP)
	if err != nil {
		return nil, errors.WithMessagef(err, "task on %s", module.Module)
	}
	var trainable []string
	for _, p := range t.ps.fwd.Parameters() {
		if module.Trainable || !t.ps.pretrained[p] {
			trainable = append(trainable, p)
		}
	}
	t.plan, err = cfg.Strategy.Resolve(PlanInput{MaxTrainSteps: max(1, t.MaxSteps()), Program: t.ps.fwd, Params: trainable})
	if err != nil {
		return nil, errors.WithMessage(err, "strategy")
	}
	if err := t.ps.compile(t.plan); err != nil {
		t.ps.destroy()
		return nil, errors.WithMessagef(err, "task on %s", module.Module)
	}
	return t, nil
}

// Config is the task's run configuration with its defaults filled in.
func (t *ImageClassifierTask) Config() RunConfig { return t.cfg }

// Subscribe adds f to the functions that receive the task's events, in order.
func (t *ImageClassifierTask) Subscribe(f func(Event)) { t.subs = append(t.subs, f) }

func (t *ImageClassifierTask) emit(e Event) {
	for _, f := range t.subs {
		f(e)
	}
}

// RunStats are what training took: steps run, their wall time, and how much of it was spent
// waiting for data with no step running (on a GPU the next batch is read while a step runs;
// that wait counts only when the step was found done afterwards, so it is an upper bound).
type RunStats struct {
	Steps    int
	Train    time.Duration
	DataWait time.Duration
	// CUDAGraphs is how many recordings of training steps (RunConfig.CUDAGraph) the task has
	// made and launched: one per training program and batch shape; 0 where none could be.
	CUDAGraphs int
}

// Stats returns the training statistics of this task's runs so far.
func (t *ImageClassifierTask) Stats() RunStats { return t.stats }

// Close releases the task's programs and scope.
func (t *ImageClassifierTask) Close() error {
	if t.eval != nil {
		t.eval.Destroy()
	}
	if t.ps != nil {
		t.ps.destroy()
	}
	if t.scope != nil {
		t.scope.Destroy()
	}
	return nil
}

// init loads the latest checkpoint, or starts from the module's pretrained parameters and
// a freshly initialised head (PaddleHub's init_if_necessary).
func (t *ImageClassifierTask) init() error {
	if t.ready {
		return nil
	}
	if err := os.MkdirAll(t.cfg.CheckpointDir, 0o755); err != nil {
		return errors.Wrap(err, "checkpoint dir")
	}
	removeStaleTemps(t.cfg.CheckpointDir)
	scope, err := paddle.NewScope()
	if err != nil {
		return err
	}
	t.scope = scope
	m, found, err := readMeta(t.cfg.CheckpointDir)
	if err != nil {
		return err
	}
	if found && m.LatestModelDir != "" {
		err = t.resume(m)
	} else {
		err = t.start()
	}
	if err != nil {
		return err
	}
	t.ready = true
	return nil
}

func (t *ImageClassifierTask) start() error {
	rng := rand.New(rand.NewSource(t.cfg.Seed))
	if err := LoadPretrained(t.scope, t.module, rng); err != nil {
		return err
	}
	if len(t.module.Missing) > 0 {
		t.emit(InitializedEvent{Params: t.module.Missing})
	}
	for _, p := range t.ps.head.params {
		n := 1
		for _, d := range p.dims {
			n *= int(d)
		}
		if err := t.scope.SetFloat32(p.name, p.dims, p.init(rng, n)); err != nil {
			return err
		}
	}
	if err := t.initState(t.ps.state.update); err != nil {
		return err
	}
	t.st = trainerState{Epoch: 1, BestScore: -999, Seed: t.cfg.Seed}
	return nil
}

// initState gives the update part's persistables their starting values.
func (t *ImageClassifierTask) initState(u *update) error {
	for _, s := range u.state {
		var v []float32
		if s.copyOf != "" {
			var err error
			if v, err = t.scope.Float32(s.copyOf); err != nil {
				return err
			}
		} else {
			n := 1
			for _, d := range s.dims {
				n *= int(d)
			}
			v = make([]float32, n)
			for i := range v {
				v[i] = s.fill
			}
		}
		if err := t.scope.SetFloat32(s.name, s.dims, v); err != nil {
			return err
		}
	}
	for name := range u.lrVars {
		if err := t.scope.SetFloat32(name, []int64{1}, []float32{0}); err != nil {
			return err
		}
	}
	return nil
}

func (t *ImageClassifierTask) resume(m meta) error {
	dir := filepath.Join(t.cfg.CheckpointDir, filepath.Base(m.LatestModelDir))
	st, err := readState(dir)
	if err != nil {
		return err
	}
	if err := t.scope.LoadPersistables(t.ps.state.prog, dir); err != nil {
		return errors.WithMessagef(err, "resume from %s", dir)
	}
	if st.Seed != t.cfg.Seed {
		t.cfg.Seed = st.Seed // the order of the examples must stay the run's
	}
	t.st = st
	t.emit(ResumeEvent{Epoch: st.Epoch, EpochBatch: st.EpochBatch, Step: st.GlobalStep, BestScore: st.BestScore, Dir: dir})
	return nil
}

// removeStaleTemps deletes what a killed run left half written.
func removeStaleTemps(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") && strings.Contains(e.Name(), ".tmp") {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}
