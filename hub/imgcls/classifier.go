package imgcls

import (
	"github.com/pkg/errors"

	"github.com/gohub/gohub/hub/internal/modelload"
	"github.com/gohub/gohub/hub/internal/predpool"
)

// Classifier runs one image-classification model. It is safe for concurrent use: each
// batch borrows one of its Threads predictors.
type Classifier struct {
	opts          Options
	cfg           Config
	labels        *Labels
	labelsPath    string
	input, output string

	pool *predpool.Pool
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
		c.Close()
		return nil, err
	}
	return c, nil
}

// loadPredictors loads the model once and clones it for the other threads.
func (c *Classifier) loadPredictors(f Files) error {
	first, err := newPredictor(f, c.opts)
	if err != nil {
		return err
	}
	if c.input, c.output, err = modelload.IONames("imgcls", first, f.Output); err != nil {
		first.Destroy()
		return err
	}
	c.pool, err = predpool.New(first, c.opts.Threads)
	return errors.WithMessage(err, "imgcls")
}

// Labels are the model's classes.
func (c *Classifier) Labels() *Labels { return c.labels }

// Config is the recipe the classifier applies.
func (c *Classifier) Config() Config { return c.cfg }

// Close releases the predictors, after any Classify in progress has returned. Later calls
// to Classify fail; Close itself may be called again.
func (c *Classifier) Close() error {
	if c.pool != nil {
		c.pool.Close()
	}
	return nil
}
