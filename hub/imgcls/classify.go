package imgcls

import (
	"github.com/pkg/errors"

	"github.com/gohub/gohub/hub/internal/predpool"
	"github.com/gohub/gohub/paddle"
)

// Classify reads the image files at paths and returns each one's top classes, in order.
// Images are fed BatchSize at a time, up to Threads batches at once. A file that cannot be
// read or decoded fails the whole call with an error naming it.
func (c *Classifier) Classify(paths []string) ([]Result, error) {
	results := make([]Result, len(paths))
	err := c.pool.Run(len(paths), c.opts.BatchSize, func(pred *paddle.Predictor, lo, hi int) error {
		return c.classifyBatch(pred, paths[lo:hi], results[lo:hi])
	})
	if errors.Is(err, predpool.ErrClosed) {
		return nil, errors.New("imgcls: Classify on a closed classifier")
	}
	if err != nil {
		return nil, err
	}
	return results, nil
}

// classifyBatch preprocesses paths, runs them on pred and ranks each image's classes.
func (c *Classifier) classifyBatch(pred *paddle.Predictor, paths []string, results []Result) error {
	b, err := c.cfg.Load(paths)
	if err != nil {
		return errors.WithMessage(err, "imgcls")
	}
	scores, classes, err := run(pred, c.input, c.output, b)
	if err != nil {
		return err
	}
	if classes != c.labels.Len() {
		return errors.Errorf("imgcls: the model scores %d classes but its label file %s has %d labels", classes, c.labelsPath, c.labels.Len())
	}
	for i := range paths {
		results[i] = c.rank(scores[i*classes : (i+1)*classes])
	}
	return nil
}

// rank turns one image's scores into its top classes.
func (c *Classifier) rank(scores []float32) Result {
	var probs []float64
	if c.cfg.Softmax != nil && *c.cfg.Softmax || c.cfg.Softmax == nil && !isDistribution(scores) {
		probs = softmax(scores)
	} else {
		probs = make([]float64, len(scores))
		for i, s := range scores {
			probs[i] = float64(s)
		}
	}
	top := topK(probs, c.opts.TopK)
	r := make(Result, len(top))
	for i, k := range top {
		r[i] = Prediction{Class: k, Label: c.labels.Short[k], Probability: probs[k]}
	}
	return r
}
