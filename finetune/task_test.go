package finetune

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/hub"
	"github.com/gohub/gohub/hub/store"
	"github.com/gohub/gohub/internal/shared"
	"github.com/gohub/gohub/paddle"
	"github.com/gohub/gohub/readers/dataset"
	"github.com/gohub/gohub/readers/imgbatch"
)

// testImageSize is the module's: ShuffleNetV2's channel shuffles reshape to fixed sizes.
const testImageSize = 224

// shufflenetContext is the fine-tune context of the real ShuffleNetV2 model.
func shufflenetContext(t *testing.T, trainable bool) *hub.Context {
	t.Helper()
	dir, err := shared.Path("models", "shufflenet_v2_imagenet")
	if err != nil {
		t.Fatal(err)
	}
	man := &store.Manifest{Name: "shufflenet_v2_imagenet", Kind: store.KindImageClassification}
	ctx, err := hub.NewContext(dir, man, &store.Model{Name: "classification", Layout: store.LayoutDir, Dir: "."}, trainable)
	require.NoError(t, err)
	return ctx
}

// catdogSubset writes list files naming the first n images of each catdog split (absolute
// paths, so the lists live in a temporary directory).
func catdogSubset(t *testing.T, train, dev, test int) *dataset.CV {
	t.Helper()
	src, err := shared.Path("data", "catdog")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, s := range []struct {
		file string
		n    int
	}{{"train_list.txt", train}, {"validate_list.txt", dev}, {"test_list.txt", test}} {
		b, err := os.ReadFile(filepath.Join(src, s.file))
		require.NoError(t, err)
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		var out strings.Builder
		for _, l := range lines[:s.n] {
			fmt.Fprintf(&out, "%s\n", filepath.Join(src, l))
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, s.file), []byte(out.String()), 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "label_list.txt"), []byte("cat\ndog\n"), 0o644))
	cv, err := dataset.LoadCV(dir, dataset.CVFiles{})
	require.NoError(t, err)
	return cv
}

func testReader(t *testing.T) *imgbatch.Reader {
	r, err := imgbatch.NewReader(imgbatch.Config{Width: testImageSize, Height: testImageSize,
		Mean: [3]float64{0.485, 0.456, 0.406}, Std: [3]float64{0.229, 0.224, 0.225}, Workers: 2})
	require.NoError(t, err)
	return r
}

// record keeps a run's events.
type record struct {
	losses []float64
	evals  []EvalEvent
	best   []BestModelEvent
	ckpts  []CheckpointEvent
	resume []ResumeEvent
}

func (r *record) on(e Event) {
	switch e := e.(type) {
	case TrainLogEvent:
		r.losses = append(r.losses, e.Scores.Loss)
	case EvalEvent:
		r.evals = append(r.evals, e)
	case BestModelEvent:
		r.best = append(r.best, e)
	case CheckpointEvent:
		r.ckpts = append(r.ckpts, e)
	case ResumeEvent:
		r.resume = append(r.resume, e)
	}
}

func testConfig(dir string) RunConfig {
	return RunConfig{NumEpoch: 2, BatchSize: 8, CheckpointDir: dir, LogInterval: 1, EvalInterval: 3,
		SaveCkptInterval: 1, Seed: 7, Threads: 1, Metrics: []string{MetricAcc, MetricF1},
		Strategy: DefaultFinetuneStrategy{LearningRate: 1e-3}}
}

// The whole loop on a real model and real photos: it learns, keeps PaddleHub's checkpoint
// layout, saves a best model that the inference API loads with the task's own predictions,
// and a run killed in the middle of an epoch resumes to exactly the uninterrupted run's
// losses (one thread, the same seed).
func TestFinetuneShuffleNetOnCatDog(t *testing.T) {
	data := catdogSubset(t, 32, 16, 16)
	reader := testReader(t)

	// The uninterrupted run.
	dirA := t.TempDir()
	var a record
	task, err := NewImageClassifierTask(shufflenetContext(t, true), data, reader, testConfig(dirA))
	require.NoError(t, err)
	task.Subscribe(a.on)
	require.NoError(t, task.FinetuneAndEval(context.Background()))
	require.Len(t, a.losses, 8, "2 epochs of 32/8 batches, a log line per step")
	require.Less(t, a.losses[7], a.losses[0], "training lowers the loss")
	require.NotEmpty(t, a.best)
	test := a.evals[len(a.evals)-1]
	t.Logf("losses %.4f, test %v", a.losses, test.Scores)
	require.Equal(t, "test", test.Phase)
	require.GreaterOrEqual(t, test.Scores.Metrics[MetricAcc], 0.75, "pretrained features tell cats from dogs")

	m, ok, err := readMeta(dirA)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, meta{CurrentEpoch: 3, GlobalStep: 8, LatestModelDir: filepath.Join(dirA, "step_8"), BestScore: a.best[len(a.best)-1].Score}, m)

	// The best model: the inference API gives the task's predictions.
	paths := []string{data.Test[0].Path, data.Test[9].Path}
	preds, err := task.Predict(context.Background(), paths)
	require.NoError(t, err)
	require.NoError(t, task.Close())
	assertInferenceModel(t, filepath.Join(dirA, bestModelDir), reader, paths, preds)
	assertInstallsAsModule(t, filepath.Join(dirA, bestModelDir), paths, preds)

	// Killed after step 5 (mid epoch 2), then resumed.
	dirB := t.TempDir()
	var b1 record
	ctx, cancel := context.WithCancel(context.Background())
	task, err = NewImageClassifierTask(shufflenetContext(t, true), data, reader, testConfig(dirB))
	require.NoError(t, err)
	task.Subscribe(b1.on)
	task.Subscribe(func(e Event) {
		if s, ok := e.(StepEvent); ok && s.Step == 5 {
			cancel()
		}
	})
	require.ErrorIs(t, task.FinetuneAndEval(ctx), context.Canceled)
	require.NoError(t, task.Close())
	var b2 record
	task, err = NewImageClassifierTask(shufflenetContext(t, true), data, reader, testConfig(dirB))
	require.NoError(t, err)
	task.Subscribe(b2.on)
	require.NoError(t, task.FinetuneAndEval(context.Background()))
	require.NoError(t, task.Close())
	require.Equal(t, []ResumeEvent{{Epoch: 2, EpochBatch: 1, Step: 5, BestScore: b1.best[len(b1.best)-1].Score,
		Dir: filepath.Join(dirB, "step_5")}}, b2.resume)
	require.Equal(t, a.losses, append(b1.losses[:5:5], b2.losses...), "the resumed run repeats the uninterrupted one")
}

// assertInferenceModel loads dir with the inference API and checks its probabilities.
func assertInferenceModel(t *testing.T, dir string, r *imgbatch.Reader, paths []string, want []Prediction) {
	t.Helper()
	cfg, err := paddle.NewConfig()
	require.NoError(t, err)
	require.NoError(t, cfg.SetModelDir(dir))
	pred, err := paddle.NewPredictor(cfg)
	require.NoError(t, err)
	defer pred.Destroy()
	examples := make([]dataset.Example, len(paths))
	for i, p := range paths {
		examples[i] = dataset.Example{Path: p, Label: -1}
	}
	it := r.Epoch(context.Background(), examples, imgbatch.EpochOptions{BatchSize: len(paths)})
	defer it.Close()
	b, err := it.Next()
	require.NoError(t, err)
	defer b.Release()
	in, err := pred.GetInputNames()
	require.NoError(t, err)
	h, err := pred.GetInputHandle(in[0])
	require.NoError(t, err)
	require.NoError(t, h.Reshape([]int32{int32(b.N), 3, int32(b.H), int32(b.W)}))
	require.NoError(t, paddle.CopyFromCpu(h, b.Images))
	require.NoError(t, pred.Run())
	out, err := pred.GetOutputNames()
	require.NoError(t, err)
	oh, err := pred.GetOutputHandle(out[0])
	require.NoError(t, err)
	probs := make([]float32, len(want)*len(want[0].Probs))
	require.NoError(t, paddle.CopyToCpu(oh, probs))
	for i, p := range want {
		for j, v := range p.Probs {
			require.InDelta(t, v, probs[i*len(p.Probs)+j], 1e-5, "image %d class %d", i, j)
		}
	}
}

// assertInstallsAsModule installs dir as module catdog and checks that running it gives
// the task's predictions: the module carries the training's preprocessing and labels.
func assertInstallsAsModule(t *testing.T, dir string, paths []string, want []Prediction) {
	t.Helper()
	home := store.Home{Root: t.TempDir()}
	in, err := hub.NewInstaller(home, nil)
	require.NoError(t, err)
	in.Name = "catdog"
	_, err = in.Install(context.Background(), dir)
	require.NoError(t, err)
	m, err := hub.Load("catdog", hub.WithHome(home))
	require.NoError(t, err)
	defer m.Close()
	res, err := m.Classify(paths)
	require.NoError(t, err)
	for i, p := range want {
		require.Equal(t, p.Label, res[i][0].Label, "image %d", i)
		require.InDelta(t, float64(p.Prob), res[i][0].Probability, 1e-5, "image %d", i)
	}
}

// A frozen module trains only the head (its parameters and batch-norm statistics stay as
// loaded), and early stopping ends the run after EarlyStopping evaluations without a better
// dev score; the run still evaluates test and saves its checkpoint.
func TestFrozenModuleAndEarlyStopping(t *testing.T) {
	data := catdogSubset(t, 24, 8, 8)
	dir := t.TempDir()
	cfg := RunConfig{NumEpoch: 4, BatchSize: 8, CheckpointDir: dir, LogInterval: 1, EvalInterval: 1,
		EarlyStopping: 2, Seed: 3, Threads: 1,
		// A rate so small that the dev score cannot change after the first evaluation.
		Strategy: DefaultStrategy{LearningRate: 1e-12}}
	ctx := shufflenetContext(t, false)
	task, err := NewImageClassifierTask(ctx, data, testReader(t), cfg)
	require.NoError(t, err)
	defer task.Close()
	var r record
	var stop []EarlyStopEvent
	task.Subscribe(r.on)
	task.Subscribe(func(e Event) {
		if s, ok := e.(EarlyStopEvent); ok {
			stop = append(stop, s)
		}
	})
	require.NoError(t, task.FinetuneAndEval(context.Background()))
	require.Equal(t, []EarlyStopEvent{{Step: 3, Evaluations: 2}}, stop, "best at step 1, no better at 2 and 3")
	require.Len(t, r.best, 1)
	require.Equal(t, "test", r.evals[len(r.evals)-1].Phase)
	m, _, err := readMeta(dir)
	require.NoError(t, err)
	require.EqualValues(t, 3, m.GlobalStep)
	require.EqualValues(t, cfg.NumEpoch+1, m.CurrentEpoch, "an early-stopped run is finished: a rerun trains no further")

	// The module's tensors are the pretrained ones, the head's have moved.
	for _, name := range []string{"conv5_weights", "conv5_bn_mean", "stage_2_1_conv1_bn_variance"} {
		got, err := task.scope.Float32(name)
		require.NoError(t, err)
		want := readParam(t, ctx.ParamsDir, name)
		require.Equal(t, want, got, "%s is frozen", name)
	}
	require.NotContains(t, trainProgramOps(task), "conv2d_grad", "no gradient flows into a frozen module")
}

// readParam reads a parameter file through a scope.
func readParam(t *testing.T, dir, name string) []float32 {
	t.Helper()
	s, err := paddle.NewScope()
	require.NoError(t, err)
	defer s.Destroy()
	p, err := newPaddleProgram(shufflenetContext(t, false).Program)
	require.NoError(t, err)
	defer p.Destroy()
	require.NoError(t, s.LoadPersistables(p, dir))
	v, err := s.Float32(name)
	require.NoError(t, err)
	return v
}

func trainProgramOps(task *ImageClassifierTask) []string {
	var ops []string
	for _, op := range task.ps.state.desc.Ops() {
		ops = append(ops, op.GetType())
	}
	return ops
}

// gesture_rec, a MobileNetV2 with relu6 and depthwise convolutions whose parameters are one
// combined file (paddle's TestScopeLoadCombinedMatchesPredictor checks the loading): the
// task trains it: the loss of the last epoch is below the first.
func TestFinetuneCombinedParamsModel(t *testing.T) {
	dir, err := shared.Path("models", "gesture_rec")
	if err != nil {
		t.Fatal(err)
	}
	module, err := hub.LoadContext(dir, true)
	require.NoError(t, err)
	data := catdogSubset(t, 16, 8, 0)
	task, err := NewImageClassifierTask(module, data, testReader(t), RunConfig{NumEpoch: 4, BatchSize: 8,
		CheckpointDir: t.TempDir(), LogInterval: 1, EvalInterval: 100, Seed: 5, Threads: 2,
		Strategy: DefaultStrategy{LearningRate: 1e-3}})
	require.NoError(t, err)
	defer task.Close()
	var r record
	task.Subscribe(r.on)
	require.NoError(t, task.FinetuneAndEval(context.Background()))
	require.Len(t, r.losses, 8)
	t.Logf("losses %.4f", r.losses)
	first, last := (r.losses[0]+r.losses[1])/2, (r.losses[6]+r.losses[7])/2
	require.Less(t, last, first-0.05, "training lowers the loss")
}

// ULMFiT's gradual unfreezing and discriminative rates reach the programs: in epoch 1 only
// the deepest third of the network trains (the first convolution stays as loaded), by the
// last epoch everything does, and the deeper groups run at higher rates than the shallow
// ones (one learning-rate variable per multiplier).
func TestULMFiTUnfreezesGradually(t *testing.T) {
	data := catdogSubset(t, 16, 8, 0)
	s := NewULMFiTStrategy()
	s.LearningRate = 1e-3
	task, err := NewImageClassifierTask(shufflenetContext(t, true), data, testReader(t), RunConfig{NumEpoch: 3,
		BatchSize: 8, CheckpointDir: t.TempDir(), LogInterval: 1, EvalInterval: 100, Seed: 9, Threads: 2, Strategy: s})
	require.NoError(t, err)
	defer task.Close()
	first := "stage1_conv_weights"
	loaded := readParam(t, shufflenetContext(t, true).ParamsDir, first)
	var afterEpoch1 []float32
	task.Subscribe(func(e Event) {
		if s, ok := e.(StepEvent); ok && s.Step == 2 {
			afterEpoch1, err = task.scope.Float32(first)
			require.NoError(t, err)
		}
	})
	require.NoError(t, task.FinetuneAndEval(context.Background()))
	require.Equal(t, loaded, afterEpoch1, "epoch 1 leaves the shallow layers frozen")
	final, err := task.scope.Float32(first)
	require.NoError(t, err)
	require.NotEqual(t, loaded, final, "the last epoch trains them")

	require.True(t, task.plan.Frozen(1)[first])
	require.Empty(t, task.plan.Frozen(3))
	require.Greater(t, len(task.ps.state.update.lrVars), 2, "discriminative rates: several multipliers")
	require.Less(t, task.plan.LRScale(first), task.plan.LRScale("cls_out_w"), "shallow layers learn slower")
}
