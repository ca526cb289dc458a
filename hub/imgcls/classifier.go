package imgcls

import (
	"sync"

	"github.com/pkg/errors"

	"github.com/gohub/gohub/paddle"
)

// Classifier runs one image-classification model. It is safe for concurrent use: each
// batch borrows one of its Threads predictors, which serve one goroutine at a time.
type Classifier struct {
	opts          Options
	cfg           Config
	labels        *Labels
	labelsPath    string
	input, output string

	mu     sync.RWMutex // Classify holds it shared, Close exclusively
	closed bool
	preds  []*paddle.Predictor
	pool   chan *paddle.Predictor
}

// Open loads a plain model directory (DirFiles): the model, its label file and
// PaddleHub's default recipe.
func Open(dir string, opts Options) (*Classifier, error) {
	f, err := DirFiles(dir)
	if err != nil {
		return nil, err
	}
	c, err := OpenFiles(f, opts)
	return c, errors.WithMessage(err, dir)
}

// OpenFiles loads the model and labels that f names.
func OpenFiles(f Files, opts Options) (*Classifier, error) {
	opts, err := opts.withDefaults(f.Config)
	if err != nil {
		return nil, err
	}
	c := &Classifier{opts: opts, cfg: f.Config, labelsPath: f.Labels}
	if c.labels, err = LoadLabels(f.Labels); err != nil {
		return nil, err
	}
	if err := c.loadPredictors(f); err != nil {
		c.destroy()
		return nil, err
	}
	return c, nil
}

// loadPredictors loads the model once and clones it for the other threads: clones share
// the weights.
func (c *Classifier) loadPredictors(f Files) error {
	first, err := newPredictor(f, c.opts)
	if err != nil {
		return err
	}
	c.preds = append(c.preds, first)
	if c.input, c.output, err = ioNames(first, f.Output); err != nil {
		return err
	}
	for len(c.preds) < c.opts.Threads {
		clone, err := first.Clone()
		if err != nil {
			return errors.WithMessage(err, "imgcls: clone the predictor")
		}
		c.preds = append(c.preds, clone)
	}
	c.pool = make(chan *paddle.Predictor, len(c.preds))
	for _, p := range c.preds {
		c.pool <- p
	}
	return nil
}

// Labels are the model's classes.
func (c *Classifier) Labels() *Labels { return c.labels }

// Config is the recipe the classifier applies.
func (c *Classifier) Config() Config { return c.cfg }

// Close releases the predictors, after any Classify in progress has returned. Later calls
// to Classify fail; Close itself may be called again.
func (c *Classifier) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.closed = true
		c.destroy()
	}
	return nil
}

func (c *Classifier) destroy() {
	for _, p := range c.preds {
		p.Destroy()
	}
	c.preds = nil
}
