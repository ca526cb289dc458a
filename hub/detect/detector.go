package detect

import (
	"github.com/pkg/errors"

	"github.com/gohub/gohub/hub/internal/modelload"
	"github.com/gohub/gohub/hub/internal/predpool"
)

// Detector runs one object-detection model. It is safe for concurrent use: each batch
// borrows one of its Threads predictors.
type Detector struct {
	opts          Options
	cfg           Config
	thresh        float64
	labels        []string
	labelsPath    string
	input, output string

	pool *predpool.Pool
}

// Open loads the model and labels that f names.
func Open(f Files, opts Options) (*Detector, error) {
	opts, thresh, err := opts.withDefaults(f.Config)
	if err != nil {
		return nil, err
	}
	d := &Detector{opts: opts, cfg: f.Config, thresh: thresh, labelsPath: f.Labels}
	if d.labels, err = LoadLabels(f.Labels); err != nil {
		return nil, err
	}
	if err := d.loadPredictors(f); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// loadPredictors loads the model once and clones it for the other threads.
func (d *Detector) loadPredictors(f Files) error {
	first, err := modelload.Open("detect", modelload.Model{Dir: f.ModelDir, Program: f.Program, Params: f.Params},
		d.opts.Device())
	if err != nil {
		return err
	}
	if d.input, d.output, err = modelload.IONames("detect", first, f.Output); err != nil {
		first.Destroy()
		return err
	}
	d.pool, err = predpool.New(first, d.opts.Threads)
	return errors.WithMessage(err, "detect")
}

// Labels are the model's classes, background first.
func (d *Detector) Labels() []string { return d.labels }

// Config is the recipe the detector applies.
func (d *Detector) Config() Config { return d.cfg }

// ScoreThreshold is the threshold in force (Options' or the Config's).
func (d *Detector) ScoreThreshold() float64 { return d.thresh }

// Close releases the predictors, after any Detect in progress has returned. Later calls
// to Detect fail; Close itself may be called again.
func (d *Detector) Close() error {
	if d.pool != nil {
		d.pool.Close()
	}
	return nil
}
