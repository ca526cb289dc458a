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
	}()
	for !stopped && t.st.Epoch <= t.cfg.NumEpoch {
		tp, err := t.ps.trainFor(t.plan.Frozen(t.st.Epoch))
		if err != nil {
			return err
		}
		if tp.exec == nil {
			if tp.exec, err = newExecutor(tp.prog, t.scope, t.cfg); err != nil {
				return err
			}
		}
		it := t.reader.Epoch(ctx, t.data.Train, imgbatch.EpochOptions{
			BatchSize: t.cfg.BatchSize, Shuffle: true, DropLast: true, Augment: t.augment,
			Seed: uint64(t.cfg.Seed), Epoch: t.st.Epoch, StartBatch: t.st.EpochBatch})
		epochStart := timeNow()
		for {
			waitStart := timeNow()
			b, err := it.Next()
			waited := timeNow().Sub(waitStart)
			window.wait += waited
			t.stats.DataWait += waited
			if err == io.EOF {
				break
			}
			if err != nil {
				it.Close()
				return err
			}
			lr := t.plan.LR(t.st.GlobalStep)
			loss, pred, err := t.trainStep(tp, b, lr)
			labels := b.Labels
			window.add(loss, pred, labels)
			b.Release()
			if err != nil {
				it.Close()
				return errors.WithMessagef(err, "step %d", t.st.GlobalStep+1)
			}
			t.st.GlobalStep++
			t.st.EpochBatch++
			t.emit(StepEvent{Step: t.st.GlobalStep, MaxSteps: maxSteps, Epoch: t.st.Epoch, NumEpoch: t.cfg.NumEpoch,
				Elapsed: timeNow().Sub(epochStart)})
			if t.st.GlobalStep%t.cfg.LogInterval == 0 {
				t.emit(window.event(t.st.GlobalStep, maxSteps, lr, t.cfg.Metrics))
				window = newWindow()
			}
			// Evaluate before saving: the checkpoint of this step then holds the best score
			// this evaluation set, and a run resumed from it does not evaluate twice.
			if doEval && len(t.data.Dev) > 0 && t.st.GlobalStep%t.cfg.EvalInterval == 0 {
				improved, err := t.evalDev(ctx)
				if err != nil {
					it.Close()
					return err
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
				// Training is over: a rerun with this checkpoint directory trains no further,
				// as after the last epoch.
				t.st.Epoch, t.st.EpochBatch = t.cfg.NumEpoch+1, 0
			}
			if t.cfg.SaveCkptInterval > 0 && t.st.GlobalStep%t.cfg.SaveCkptInterval == 0 {
				if err := t.saveCheckpoint(); err != nil {
					it.Close()
					return err
				}
			}
			if stopped {
				break
			}
			if err := ctx.Err(); err != nil {
				it.Close()
				return err
			}
		}
		it.Close()
		if stopped {
			break
		}
		t.st.Epoch++
		t.st.EpochBatch = 0
		if t.cfg.SaveCkptInterval == 0 {
			if err := t.saveCheckpoint(); err != nil {
				return err
			}
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

// trainStep runs one step at learning rate lr; it returns the batch's loss and predictions.
func (t *ImageClassifierTask) trainStep(tp *trainProgram, b *imgbatch.Batch, lr float64) (float64, []int64, error) {
	for name, scale := range tp.update.lrVars {
		if err := t.scope.SetFloat32(name, []int64{1}, []float32{float32(lr * scale)}); err != nil {
			return 0, nil, err
		}
	}
	if err := t.feedScope(t.scope, b); err != nil {
		return 0, nil, err
	}
	if err := tp.exec.Run(); err != nil {
		return 0, nil, err
	}
	return t.fetchResults(t.scope, b.N)
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
	for {
		b, err := it.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Scores{}, err
		}
		err = t.feedScope(scope, b)
		if err == nil {
			err = exec.Run()
		}
		var loss float64
		var pred []int64
		if err == nil {
			loss, pred, err = t.fetchResults(scope, b.N)
		}
		if err == nil {
			c.add(loss, pred, b.Labels)
		}
		b.Release()
		if err != nil {
			return Scores{}, errors.WithMessagef(err, "eval %s", phase)
		}
		steps++
	}
	s := c.scores(t.cfg.Metrics)
	t.emit(EvalEvent{Phase: phase, Step: t.st.GlobalStep, Scores: s, StepsPerSec: float64(steps) / timeNow().Sub(start).Seconds()})
	return s, nil
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
