package finetune

import (
	"context"
	"io"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/pkg/errors"

	"github.com/gohub/gohub/paddle"
	"github.com/gohub/gohub/readers/dataset"
	"github.com/gohub/gohub/readers/imgbatch"
)

var timeNow = time.Now

// Finetune trains for the configured epochs without evaluating on dev until the end, then
// evaluates dev and test as FinetuneAndEval does.
func (t *ImageClassifierTask) Finetune(ctx context.Context) error { return t.finetune(ctx, false) }

// FinetuneAndEval trains, evaluates on dev every EvalInterval steps (saving the best model),
// and at the end evaluates dev, then test with the best model, and saves a checkpoint:
// PaddleHub's finetune_and_eval.
func (t *ImageClassifierTask) FinetuneAndEval(ctx context.Context) error {
	return t.finetune(ctx, true)
}

// stepsPerEpoch is PaddleHub's: the last partial batch is dropped in training.
func (t *ImageClassifierTask) stepsPerEpoch() int { return len(t.data.Train) / t.cfg.BatchSize }

// MaxSteps is the number of training steps of the whole run.
func (t *ImageClassifierTask) MaxSteps() int { return t.cfg.NumEpoch * t.stepsPerEpoch() }

func (t *ImageClassifierTask) finetune(ctx context.Context, doEval bool) error {
	if len(t.data.Train) < t.cfg.BatchSize {
		return errors.Errorf("the training set has %d examples, fewer than one batch of %d", len(t.data.Train), t.cfg.BatchSize)
	}
	if err := t.init(); err != nil {
		return err
	}
	// The engine's OpenMP team belongs to the OS thread that calls Executor.Run (see
	// paddle.Predictor). Unlocked, the loop resumes on whichever thread is free after waiting
	// for a batch (measured: three threads in nine ShuffleNetV2 steps), each of them gets a
	// team of its own, and the idle teams' workers spin on the cores the step needs.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	maxSteps := t.MaxSteps()
	window := newWindow()
	stopped := false
	runStart, firstStep := timeNow(), t.st.GlobalStep
	defer func() {
		t.stats.Train += timeNow().Sub(runStart)
		t.stats.Steps += t.st.GlobalStep - firstStep
		t.stats.CUDAGraphs = t.ps.recordings()
	}()
	src := newTrainBatches(func(epoch, startBatch int) *imgbatch.Iterator {
		return t.reader.Epoch(ctx, t.data.Train, imgbatch.EpochOptions{
			BatchSize: t.cfg.BatchSize, Shuffle: true, DropLast: true, Augment: t.augment,
			Seed: uint64(t.cfg.Seed), Epoch: epoch, StartBatch: startBatch})
	}, t.cfg.NumEpoch, t.stepsPerEpoch(), t.st.Epoch, t.st.EpochBatch)
	defer src.close()
	epochStart := timeNow()
	b, epoch, waited, err := src.next()
	window.waited(waited, &t.stats)
	if err == nil && b != nil {
		err = t.feedScope(t.scope, b)
	}
	for err == nil && b != nil && !stopped {
		// b opens a new epoch (or a run resumed after an epoch's last step).
		for err == nil && t.st.Epoch < epoch {
			err, epochStart = t.endEpoch(), timeNow()
		}
		var tp *trainProgram
		if err == nil {
			tp, err = t.trainProgram(epoch)
		}
		if err != nil {
			break
		}
		var nb *imgbatch.Batch
		var nextEpoch int
		var fed bool
		var nextErr error
		nb, nextEpoch, fed, nextErr, err = t.step(tp, b, src, doEval, window)
		b.Release()
		b, epoch = nb, nextEpoch
		if err == nil {
			// The step trained: it counts (and may stop training) before a failure to
			// read or feed the next batch ends the run.
			stopped, err = t.afterStep(ctx, doEval, maxSteps, timeNow().Sub(epochStart), &window)
		}
		if err == nil {
			err = nextErr
		}
		if err == nil && b != nil && !fed && !stopped {
			err = t.feedScope(t.scope, b)
		}
	}
	if b != nil {
		b.Release()
	}
	if err != nil {
		return err
	}
	if !stopped && t.st.Epoch <= t.cfg.NumEpoch {
		if err := t.endEpoch(); err != nil {
			return err
		}
	}
	if len(t.data.Dev) > 0 {
		if _, err := t.evalDev(ctx); err != nil {
			return err
		}
	}
	if len(t.data.Test) > 0 {
		if _, err := t.Eval(ctx, "test"); err != nil {
			return err
		}
	}
	return t.saveCheckpoint()
}

// step trains on b, whose images and labels the scope holds. While the step runs (Launch; on
// a GPU the host is free until the results are read), it takes the next batch from src and
// feeds it, and the GPU copies it in (Prefetch) when the next batch trains on the same program,
// unless an evaluation comes after this step (it feeds the same variables); then it reads the
// step's loss and predictions into w. It returns the next batch (nil after the last) and its
// epoch, whether it was fed, and apart the error of reading or feeding it: the step itself
// trained.
func (t *ImageClassifierTask) step(tp *trainProgram, b *imgbatch.Batch, src *trainBatches, doEval bool,
	w *window) (nb *imgbatch.Batch, nextEpoch int, fed bool, nextErr, err error) {
	stepErr := func(err error) error { return errors.WithMessagef(err, "step %d", t.st.GlobalStep+1) }
	lr := t.plan.LR(t.st.GlobalStep)
	for name, scale := range tp.update.lrVars {
		if err := t.scope.SetFloat32(name, []int64{1}, []float32{float32(lr * scale)}); err != nil {
			return nil, 0, false, nil, stepErr(err)
		}
	}
	if err := tp.exec.Launch(); err != nil {
		return nil, 0, false, nil, stepErr(err)
	}
	nb, nextEpoch, waited, nextErr := src.next()
	if nextErr == nil && nb != nil && !t.evalDue(doEval, t.st.GlobalStep+1) {
		nextErr, fed = t.feedScope(t.scope, nb), true
		next := tp
		if nextErr == nil && nextEpoch != t.st.Epoch {
			next, nextErr = t.ps.trainFor(t.plan.Frozen(nextEpoch))
		}
		if nextErr == nil && next == tp {
			nextErr = tp.exec.Prefetch() // the GPU copies it in while the step computes
		}
	}
	fetchStart := timeNow()
	loss, pred, err := t.fetchResults(t.scope, b.N) // waits for the step
	// The wait for the batch held training up only if the step was done by then: when reading
	// its results still had to wait for the GPU, the reader kept pace and the wait was hidden.
	if timeNow().Sub(fetchStart) < busyFetch {
		w.waited(waited, &t.stats)
	}
	if err != nil {
		if nb != nil {
			nb.Release()
		}
		return nil, 0, false, nil, stepErr(err)
	}
	w.add(loss, pred, b.Labels)
	w.lr = lr
	return nb, nextEpoch, fed, nextErr, nil
}

// trainProgram is epoch's training program (its frozen parameters depend on the epoch) with
// its executor.
func (t *ImageClassifierTask) trainProgram(epoch int) (*trainProgram, error) {
	tp, err := t.ps.trainFor(t.plan.Frozen(epoch))
	if err == nil && tp.exec == nil {
		tp.exec, err = newExecutor(tp.prog, t.scope, t.cfg)
		if err == nil && t.cfg.CUDAGraph {
			err = tp.exec.RecordRuns(true)
		}
	}
	return tp, err
}

// endEpoch moves the run's position to the next epoch's start, saving a checkpoint there when
// checkpoints are saved per epoch.
func (t *ImageClassifierTask) endEpoch() error {
	t.st.Epoch++
	t.st.EpochBatch = 0
	if t.cfg.SaveCkptInterval == 0 {
		return t.saveCheckpoint()
	}
	return nil
}

// busyFetch: reading a step's results that takes this long waited for the device (reading
// finished results takes tens of microseconds).
const busyFetch = 500 * time.Microsecond

// evalDue says whether dev is evaluated after step.
func (t *ImageClassifierTask) evalDue(doEval bool, step int) bool {
	return doEval && len(t.data.Dev) > 0 && step%t.cfg.EvalInterval == 0
}

// afterStep counts the step just trained and does what comes after it: the step and log
// events, the evaluation on dev (saving the best model, early stopping) and the checkpoint.
// It returns whether training stops here.
func (t *ImageClassifierTask) afterStep(ctx context.Context, doEval bool, maxSteps int, inEpoch time.Duration, w **window) (bool, error) {
	t.st.GlobalStep++
	t.st.EpochBatch++
	t.emit(StepEvent{Step: t.st.GlobalStep, MaxSteps: maxSteps, Epoch: t.st.Epoch, NumEpoch: t.cfg.NumEpoch,
		Elapsed: inEpoch})
	if t.st.GlobalStep%t.cfg.LogInterval == 0 {
		t.emit((*w).event(t.st.GlobalStep, maxSteps, (*w).lr, t.cfg.Metrics))
		*w = newWindow()
	}
	stopped := false
	// Evaluate before saving: the checkpoint of this step then holds the best score this
	// evaluation set, and a run resumed from it does not evaluate twice.
	if t.evalDue(doEval, t.st.GlobalStep) {
		improved, err := t.evalDev(ctx)
		if err != nil {
			return false, err
		}
		if t.st.Stale++; improved {
			t.st.Stale = 0
		}
		if t.cfg.EarlyStopping > 0 && t.st.Stale >= t.cfg.EarlyStopping {
			t.emit(EarlyStopEvent{Step: t.st.GlobalStep, Evaluations: t.st.Stale})
			stopped = true
		}
	}
	if stopped {
		// Training is over: a rerun with this checkpoint directory trains no further, as
		// after the last epoch.
		t.st.Epoch, t.st.EpochBatch = t.cfg.NumEpoch+1, 0
	}
	if t.cfg.SaveCkptInterval > 0 && t.st.GlobalStep%t.cfg.SaveCkptInterval == 0 {
		if err := t.saveCheckpoint(); err != nil {
			return stopped, err
		}
	}
	if stopped {
		return true, nil
	}
	return false, ctx.Err()
}

// fetchResults reads the loss and the top class of each example.
func (t *ImageClassifierTask) fetchResults(s *paddle.Scope, n int) (float64, []int64, error) {
	loss, err := s.Float32(t.ps.head.loss)
	if err != nil {
		return 0, nil, err
	}
	probs, err := s.Float32(t.ps.head.probs)
	if err != nil {
		return 0, nil, err
	}
	return float64(loss[0]), argmaxRows(probs, n), nil
}

func argmaxRows(probs []float32, n int) []int64 {
	c := len(probs) / n
	pred := make([]int64, n)
	for i := range pred {
		row := probs[i*c : (i+1)*c]
		for j, v := range row {
			if v > row[pred[i]] {
				pred[i] = int64(j)
			}
		}
	}
	return pred
}

// evalDev evaluates on dev and saves the model when its main metric beats the best so far
// (strictly, as PaddleHub).
func (t *ImageClassifierTask) evalDev(ctx context.Context) (bool, error) {
	s, err := t.Eval(ctx, "dev")
	if err != nil {
		return false, err
	}
	main := t.cfg.Metrics[0]
	score := s.Metrics[main]
	if score <= t.st.BestScore {
		return false, nil
	}
	t.st.BestScore = score
	dir := filepath.Join(t.cfg.CheckpointDir, bestModelDir)
	if err := t.saveBestModel(dir); err != nil {
		return false, err
	}
	t.emit(BestModelEvent{Step: t.st.GlobalStep, Dir: dir, Metric: main, Score: score})
	return true, nil
}

// Eval evaluates phase "dev" or "test" in inference mode (batch norm on its running
// statistics). Test uses the best model when one was saved, as PaddleHub's
// eval(load_best_model=True) does, but in a scope of its own, so that training goes on
// from where it was.
func (t *ImageClassifierTask) Eval(ctx context.Context, phase string) (Scores, error) {
	var examples []dataset.Example
	switch phase {
	case "dev", "val":
		phase, examples = "dev", t.data.Dev
	case "test":
		examples = t.data.Test
	default:
		return Scores{}, errors.Errorf("eval: unknown phase %q (want dev or test)", phase)
	}
	if len(examples) == 0 {
		return Scores{}, errors.Errorf("eval: the data set has no %s examples", phase)
	}
	if err := t.init(); err != nil {
		return Scores{}, err
	}
	runtime.LockOSThread() // one OpenMP team for all the batches (see finetune)
	defer runtime.UnlockOSThread()
	scope, exec, done, err := t.evalScope(phase == "test")
	if err != nil {
		return Scores{}, err
	}
	defer done()
	it := t.reader.Epoch(ctx, examples, imgbatch.EpochOptions{BatchSize: t.cfg.BatchSize, Seed: uint64(t.cfg.Seed)})
	defer it.Close()
	var c confusion
	start, steps := timeNow(), 0
	if err := evalBatches(it, scope, exec, t.feedScope, func(b *imgbatch.Batch) error {
		loss, pred, err := t.fetchResults(scope, b.N)
		if err == nil {
			c.add(loss, pred, b.Labels)
			steps++
		}
		return err
	}); err != nil {
		return Scores{}, errors.WithMessagef(err, "eval %s", phase)
	}
	s := c.scores(t.cfg.Metrics)
	t.emit(EvalEvent{Phase: phase, Step: t.st.GlobalStep, Scores: s, StepsPerSec: float64(steps) / timeNow().Sub(start).Seconds()})
	return s, nil
}

// evalBatches runs exec over every batch of it, as the training loop runs its steps: each batch
// is launched, the next one read, fed and prefetched while the GPU computes, then results reads
// the batch's outputs (which waits for it).
func evalBatches(it *imgbatch.Iterator, scope *paddle.Scope, exec *paddle.Executor,
	feed func(*paddle.Scope, *imgbatch.Batch) error, results func(*imgbatch.Batch) error) error {
	next := func() (*imgbatch.Batch, error) {
		b, err := it.Next()
		if err == io.EOF {
			return nil, nil
		}
		if err == nil {
			if err = feed(scope, b); err != nil {
				b.Release()
				b = nil
			}
		}
		return b, err
	}
	b, err := next()
	for err == nil && b != nil {
		var nb *imgbatch.Batch
		if err = exec.Launch(); err == nil {
			if nb, err = next(); err == nil && nb != nil {
				err = exec.Prefetch()
			}
		}
		if err == nil {
			err = results(b)
		}
		b.Release()
		b = nb
	}
	if b != nil {
		b.Release()
	}
	return err
}

func (t *ImageClassifierTask) feedScope(s *paddle.Scope, b *imgbatch.Batch) error {
	if err := s.SetFloat32(t.ps.image, []int64{int64(b.N), 3, int64(b.H), int64(b.W)}, b.Images); err != nil {
		return err
	}
	return s.SetInt64(t.ps.head.label, []int64{int64(b.N), 1}, b.Labels)
}

// evalScope returns the scope and executor to evaluate with: the task's own, or a fresh
// scope holding the best model's parameters when best is set and one was saved.
func (t *ImageClassifierTask) evalScope(best bool) (*paddle.Scope, *paddle.Executor, func(), error) {
	bestDir := filepath.Join(t.cfg.CheckpointDir, bestModelDir)
	if best && dirExists(bestDir) {
		return t.scopeFromModel(t.ps.eval, bestDir)
	}
	if t.eval == nil {
		_, exec, _, err := t.execOn(t.ps.eval, t.scope)
		if err != nil {
			return nil, nil, nil, err
		}
		t.eval = exec
	}
	return t.scope, t.eval, func() {}, nil
}

// saveCheckpoint writes step_N/ and then ckpt.meta, and drops old step directories.
func (t *ImageClassifierTask) saveCheckpoint() error {
	name := stepDirPrefix + strconv.Itoa(t.st.GlobalStep)
	dir := filepath.Join(t.cfg.CheckpointDir, name)
	err := replaceDir(dir, func(tmp string) error {
		if err := t.scope.SavePersistables(t.ps.state.prog, tmp); err != nil {
			return err
		}
		return writeState(tmp, t.st)
	})
	if err != nil {
		return errors.WithMessage(err, "save checkpoint")
	}
	m := meta{CurrentEpoch: int64(t.st.Epoch), GlobalStep: int64(t.st.GlobalStep), LatestModelDir: dir, BestScore: t.st.BestScore}
	if err := writeFileAtomic(filepath.Join(t.cfg.CheckpointDir, metaFile), m.encode()); err != nil {
		return err
	}
	t.emit(CheckpointEvent{Step: t.st.GlobalStep, Dir: dir})
	return pruneStepDirs(t.cfg.CheckpointDir, t.cfg.KeepCheckpoints, name)
}
