package finetune

import "time"

// window accumulates the training steps between two log lines.
type window struct {
	c     confusion
	start time.Time
	steps int
	wait  time.Duration // spent waiting for batches, with no step running
	lr    float64       // the last step's learning rate
}

func newWindow() *window { return &window{start: timeNow()} }

// waited counts d spent waiting for a batch while training had nothing else to do, in the
// window and in the run's stats.
func (w *window) waited(d time.Duration, st *RunStats) {
	w.wait += d
	st.DataWait += d
}

func (w *window) add(loss float64, pred, label []int64) {
	w.c.add(loss, pred, label)
	w.steps++
}

func (w *window) event(step, maxSteps int, lr float64, metrics []string) TrainLogEvent {
	elapsed := timeNow().Sub(w.start)
	e := TrainLogEvent{Step: step, MaxSteps: maxSteps, Scores: w.c.scores(metrics), LearningRate: lr}
	if s := elapsed.Seconds(); s > 0 {
		e.StepsPerSec = float64(w.steps) / s
		e.DataWait = min(1, w.wait.Seconds()/s)
	}
	return e
}
