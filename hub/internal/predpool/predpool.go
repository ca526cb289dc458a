// Package predpool holds the predictors of a module's model and runs batches on them: one
// predictor loaded, the others cloned from it (clones share the weights), each serving one
// goroutine at a time. Every module kind runs its inputs this way; a kind that runs several
// models per input (faces: a detector, then a classifier) pools sets of predictors.
package predpool

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/pkg/errors"

	"github.com/gohub/gohub/paddle"
)

// ErrClosed is returned by Run on a closed pool.
var ErrClosed = errors.New("closed")

// Pool is safe for concurrent use.
type Pool struct {
	mu     sync.RWMutex // Run holds it shared, Close exclusively
	closed bool
	sets   [][]*paddle.Predictor
	free   chan []*paddle.Predictor
}

// New takes first over and clones it until the pool has n predictors. On error every
// predictor made, first included, is destroyed.
func New(first *paddle.Predictor, n int) (*Pool, error) {
	return NewSet([]*paddle.Predictor{first}, n)
}

// NewSet takes the predictors of first over and clones the set until the pool has n sets.
// On error every predictor made, first's included, is destroyed.
func NewSet(first []*paddle.Predictor, n int) (*Pool, error) {
	p := &Pool{sets: [][]*paddle.Predictor{first}}
	for len(p.sets) < n {
		set := make([]*paddle.Predictor, 0, len(first))
		for _, pred := range first {
			c, err := pred.Clone()
			if err != nil {
				p.sets = append(p.sets, set)
				p.Close()
				return nil, errors.WithMessage(err, "clone the predictor")
			}
			set = append(set, c)
		}
		p.sets = append(p.sets, set)
	}
	p.free = make(chan []*paddle.Predictor, len(p.sets))
	for _, set := range p.sets {
		p.free <- set
	}
	return p, nil
}

// Run splits n items into batches of size and calls fn(pred, lo, hi) for each batch
// [lo, hi), up to one batch per predictor at once. The first error stops the other
// goroutines after their current batch and is returned.
func (p *Pool) Run(n, size int, fn func(pred *paddle.Predictor, lo, hi int) error) error {
	return p.RunSet(n, size, func(set []*paddle.Predictor, lo, hi int) error { return fn(set[0], lo, hi) })
}

// RunSet is Run for a pool of sets: fn gets one set of predictors.
func (p *Pool) RunSet(n, size int, fn func(set []*paddle.Predictor, lo, hi int) error) error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return ErrClosed
	}
	batches := (n + size - 1) / size
	var next atomic.Int64 // the next batch to run
	var wg sync.WaitGroup
	errs := make([]error, min(batches, len(p.sets)))
	for w := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread() // one OpenMP team per worker (paddle.Predictor says why)
			defer runtime.UnlockOSThread()
			set := <-p.free
			defer func() { p.free <- set }()
			for k := int(next.Add(1)) - 1; k < batches; k = int(next.Add(1)) - 1 {
				if errs[w] = fn(set, k*size, min(n, (k+1)*size)); errs[w] != nil {
					next.Store(int64(batches)) // the others stop after their batch
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Close destroys the predictors once runs in progress have returned; later runs fail with
// ErrClosed. Close may be called again.
func (p *Pool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.closed = true
	for _, set := range p.sets {
		for _, pred := range set {
			pred.Destroy()
		}
	}
	p.sets = nil
}
