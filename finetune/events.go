package finetune

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Event is something a task reports while it runs; Subscribe to receive them. The types
// are TrainLogEvent, EvalEvent, CheckpointEvent, BestModelEvent, StepEvent and
// EarlyStopEvent.
type Event interface{ event() }

// StepEvent follows every training step: for progress bars.
type StepEvent struct {
	Step, MaxSteps, Epoch, NumEpoch int
	Elapsed                         time.Duration
}

// TrainLogEvent is the training log of the last LogInterval steps (PaddleHub's
// log_interval_event): their mean loss and metrics, speed, learning rate, and the share of
// the time training waited for data with no step running (see RunStats).
type TrainLogEvent struct {
	Step, MaxSteps int
	Scores         Scores
	StepsPerSec    float64
	LearningRate   float64
	DataWait       float64 // in [0, 1]
}

// EvalEvent is an evaluation's result; Phase is "dev" or "test".
type EvalEvent struct {
	Phase       string
	Step        int
	Scores      Scores
	StepsPerSec float64
}

// CheckpointEvent says a checkpoint was saved.
type CheckpointEvent struct {
	Step int
	Dir  string
}

// BestModelEvent says the model that just scored best on dev was saved.
type BestModelEvent struct {
	Step   int
	Dir    string
	Metric string
	Score  float64
}

// EarlyStopEvent says training stopped because dev stopped improving.
type EarlyStopEvent struct {
	Step        int
	Evaluations int // in a row without improvement
}

// ResumeEvent says the task continues from a checkpoint.
type ResumeEvent struct {
	Epoch, EpochBatch, Step int
	BestScore               float64
	Dir                     string
}

// InitializedEvent names pretrained parameters the module lacked, initialised instead of
// loaded: the model is not entirely pretrained.
type InitializedEvent struct{ Params []string }

func (InitializedEvent) event() {}
func (StepEvent) event()        {}
func (TrainLogEvent) event()    {}
func (EvalEvent) event()        {}
func (CheckpointEvent) event()  {}
func (BestModelEvent) event()   {}
func (EarlyStopEvent) event()   {}
func (ResumeEvent) event()      {}

// LogEvents returns a subscriber that writes PaddleHub's log lines to w:
//
//	step 120 / 1500: loss=0.23456 acc=0.91234 [step/sec: 5.12]
//	[dev dataset evaluation result] loss=0.20000 acc=0.92000 [step/sec: 12.34]
//	best model saved to ckpt/best_model [best acc=0.92000]
func LogEvents(w io.Writer) func(Event) {
	return func(e Event) {
		switch e := e.(type) {
		case TrainLogEvent:
			fmt.Fprintf(w, "step %d / %d: %v [step/sec: %.2f]\n", e.Step, e.MaxSteps, e.Scores, e.StepsPerSec)
		case EvalEvent:
			fmt.Fprintf(w, "[%s dataset evaluation result] %v [step/sec: %.2f]\n", e.Phase, e.Scores, e.StepsPerSec)
		case BestModelEvent:
			fmt.Fprintf(w, "best model saved to %s [best %s=%.5f]\n", e.Dir, e.Metric, e.Score)
		case CheckpointEvent:
			fmt.Fprintf(w, "checkpoint saved to %s\n", e.Dir)
		case EarlyStopEvent:
			fmt.Fprintf(w, "early stopping at step %d: no better dev result in %d evaluations\n", e.Step, e.Evaluations)
		case InitializedEvent:
			fmt.Fprintf(w, "initialised %d parameters the module lacks (not pretrained): %s\n", len(e.Params), strings.Join(e.Params, ", "))
		case ResumeEvent:
			fmt.Fprintf(w, "PaddleHub model checkpoint loaded. current_epoch=%d, global_step=%d, best_score=%.5f\n",
				e.Epoch, e.Step, e.BestScore)
		}
	}
}
