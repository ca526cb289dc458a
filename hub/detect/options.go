package detect

import (
	"github.com/gohub/gohub/hub/kind"
	"github.com/gohub/gohub/readers/labels"
	"github.com/pkg/errors"
)

// DefaultBatchSize is the number of pictures per model run when Options leave it 0: 1, as
// PaddleHub's object_detection(batch_size=1).
const DefaultBatchSize = 1

// DefaultOutputDir is where visualised pictures go: PaddleHub's output_dir.
const DefaultOutputDir = "detection_result"

// Options tune a Detector. The zero value runs on one CPU thread, one picture at a time,
// with the module's score threshold, and draws nothing.
type Options struct {
	kind.RunOptions // BatchSize 0 means DefaultBatchSize
	// ScoreThreshold overrides the Config's when not nil (PaddleHub's score_thresh).
	ScoreThreshold *float64
	// Visualize saves each picture with its boxes drawn under OutputDir (default
	// DefaultOutputDir) and sets Result.SavePath.
	Visualize bool
	OutputDir string
}

// WithScoreThreshold sets Options.ScoreThreshold for hub.Load.
func WithScoreThreshold(v float64) kind.Setting {
	return func(o any) {
		if o, ok := o.(*Options); ok {
			o.ScoreThreshold = &v
		}
	}
}

// WithVisualization sets Options.Visualize and OutputDir for hub.Load.
func WithVisualization(dir string) kind.Setting {
	return func(o any) {
		if o, ok := o.(*Options); ok {
			o.Visualize, o.OutputDir = true, dir
		}
	}
}

// Threshold is a helper for Options.ScoreThreshold.
func Threshold(v float64) *float64 { return &v }

func (o Options) withDefaults(cfg Config) (Options, float64, error) {
	var err error
	if o.RunOptions, err = o.RunOptions.WithDefaults("detect", DefaultBatchSize); err != nil {
		return o, 0, err
	}
	thresh := cfg.ScoreThreshold
	if o.ScoreThreshold != nil {
		thresh = *o.ScoreThreshold
	}
	if !(thresh >= 0 && thresh <= 1) {
		return o, 0, errors.Errorf("detect: score threshold %v: want a number from 0 to 1", thresh)
	}
	if o.OutputDir == "" {
		o.OutputDir = DefaultOutputDir
	}
	return o, thresh, nil
}

// Files locates a model, its label file and its recipe: ModelDir for a directory with
// __model__ and one file per parameter, or Program and Params for a combined model.
type Files struct {
	ModelDir        string
	Program, Params string
	Labels          string // one class per line, background first, in the model's class order
	// Output names the model output holding the detections; "" means its first.
	Output string
	Config Config
}

// LoadLabels reads a label file as PaddleHub's load_label_info does (labels.Read).
func LoadLabels(path string) ([]string, error) {
	l, err := labels.Read(path)
	return l, errors.WithMessage(err, "detect")
}
