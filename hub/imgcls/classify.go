package imgcls

import (
	"sync"
	"sync/atomic"

	"github.com/pkg/errors"

	"github.com/gohub/gohub/paddle"
)

// Classify reads the image files at paths and returns each one's top classes, in order.
// Images are fed BatchSize at a time, up to Threads batches at once. A file that cannot be
// read or decoded fails the whole call with an error naming it.
func (c *Classifier) Classify(paths []string) ([]Result, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return nil, errors.New("imgcls: Classify on a closed classifier")
	}
	results := make([]Result, len(paths))
	size := c.opts.BatchSize
	batches := (len(paths) + size - 1) / size
	var next atomic.Int64 // the next batch to run
	var wg sync.WaitGroup
	errs := make([]error, min(batches, c.opts.Threads))
	for w := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pred := <-c.pool
			defer func() { c.pool <- pred }()
			for k := int(next.Add(1)) - 1; k < batches; k = int(next.Add(1)) - 1 {
				lo, hi := k*size, min(len(paths), (k+1)*size)
				if errs[w] = c.classifyBatch(pred, paths[lo:hi], results[lo:hi]); errs[w] != nil {
					next.Store(int64(batches)) // the others stop after their batch
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return results, nil
}

// classifyBatch preprocesses paths, runs them on pred and ranks each image's classes.
func (c *Classifier) classifyBatch(pred *paddle.Predictor, paths []string, results []Result) error {
	b, err := c.cfg.Load(paths)
	if err != nil {
		return errors.WithMessage(err, "imgcls")
	}
	scores, classes, err := infer(pred, c.input, c.output, b)
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
