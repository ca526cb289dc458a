package detect

import (
	"slices"
	"sync"

	"github.com/pkg/errors"

	"github.com/gohub/gohub/hub/internal/modelload"
	"github.com/gohub/gohub/paddle"
)

// Detector runs one object-detection model. It is safe for concurrent use: each batch
// borrows one of its Threads predictors, which serve one goroutine at a time.
type Detector struct {
	opts          Options
	cfg           Config
	thresh        float64
	labels        []string
	labelsPath    string
	input, output string

	mu     sync.RWMutex // Detect holds it shared, Close exclusively
	closed bool
	preds  []*paddle.Predictor
	pool   chan *paddle.Predictor
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
		d.destroy()
		return nil, err
	}
	return d, nil
}

// loadPredictors loads the model once and clones it for the other threads: clones share
// the weights.
func (d *Detector) loadPredictors(f Files) error {
	first, err := modelload.Open("detect", modelload.Model{Dir: f.ModelDir, Program: f.Program, Params: f.Params},
		d.opts.UseGPU, d.opts.GPUDevice)
	if err != nil {
		return err
	}
	d.preds = append(d.preds, first)
	if d.input, d.output, err = ioNames(first, f.Output); err != nil {
		return err
	}
	for len(d.preds) < d.opts.Threads {
		clone, err := first.Clone()
		if err != nil {
			return errors.WithMessage(err, "detect: clone the predictor")
		}
		d.preds = append(d.preds, clone)
	}
	d.pool = make(chan *paddle.Predictor, len(d.preds))
	for _, p := range d.preds {
		d.pool <- p
	}
	return nil
}

// ioNames returns the model's image input (its first) and the output holding the
// detections: want where the model has it, else its first output.
func ioNames(pred *paddle.Predictor, want string) (string, string, error) {
	in, err := pred.GetInputNames()
	if err != nil {
		return "", "", err
	}
	out, err := pred.GetOutputNames()
	if err != nil {
		return "", "", err
	}
	if len(in) == 0 || len(out) == 0 {
		return "", "", errors.Errorf("detect: want a model with an input and an output, got %v and %v", in, out)
	}
	if want != "" && slices.Contains(out, want) {
		return in[0], want, nil
	}
	return in[0], out[0], nil
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
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.closed {
		d.closed = true
		d.destroy()
	}
	return nil
}

func (d *Detector) destroy() {
	for _, p := range d.preds {
		p.Destroy()
	}
	d.preds = nil
}
