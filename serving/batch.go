package serving

import (
	"context"
	"sync"
	"time"

	"github.com/pkg/errors"
)

// ErrQueueFull is a request refused because its module has Config.MaxQueue requests
// waiting already.
var ErrQueueFull = errors.New("too many requests are waiting")

// errStopped is a request submitted after the batcher stopped (the server is shutting down).
var errStopped = errors.New("the server is shutting down")

// runFunc runs one batch: one result per input, in order.
type runFunc func(inputs []string) ([]any, error)

// job is one request's inputs and, once its batch has run, its results.
type job struct {
	ctx    context.Context
	inputs []string
	done   chan jobResult // buffered: the batcher never waits for the caller
}

type jobResult struct {
	results []any
	err     error
}

// batcher runs the requests of one module in batches: each of its workers takes the
// requests that are waiting, up to maxBatch inputs, and runs them as one call of run.
// While another worker is running a batch (the module is under load), a worker that has a
// request also waits for more, up to maxWait or until no other worker is running; when none
// is, it runs at once, so that a lone client never waits for company that is not coming and
// no core idles while requests wait.
type batcher struct {
	run      runFunc
	maxBatch int
	maxWait  time.Duration
	observe  func(inputs int) // called with each batch's size

	runMu   sync.Mutex
	running int           // workers running a batch
	idle    chan struct{} // closed while running is 0

	mu      sync.RWMutex // submit holds it shared, stop exclusively
	stopped bool
	queue   chan *job
	wg      sync.WaitGroup
}

func newBatcher(run runFunc, workers, maxBatch, maxQueue int, maxWait time.Duration, observe func(int)) *batcher {
	b := &batcher{run: run, maxBatch: maxBatch, maxWait: maxWait, observe: observe, queue: make(chan *job, maxQueue),
		idle: make(chan struct{})}
	close(b.idle)
	for range max(workers, 1) {
		b.wg.Add(1)
		go b.work()
	}
	return b
}

// do queues inputs and waits for their results, or for ctx.
func (b *batcher) do(ctx context.Context, inputs []string) ([]any, error) {
	j := &job{ctx: ctx, inputs: inputs, done: make(chan jobResult, 1)}
	if err := b.submit(j); err != nil {
		return nil, err
	}
	select {
	case r := <-j.done:
		return r.results, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (b *batcher) submit(j *job) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.stopped {
		return errStopped
	}
	select {
	case b.queue <- j:
		return nil
	default:
		return ErrQueueFull
	}
}

// depth is the number of requests waiting.
func (b *batcher) depth() int { return len(b.queue) }

// stop runs what is queued, then ends the workers; later submissions fail.
func (b *batcher) stop() {
	b.mu.Lock()
	if !b.stopped {
		b.stopped = true
		close(b.queue)
	}
	b.mu.Unlock()
	b.wg.Wait()
}

func (b *batcher) work() {
	defer b.wg.Done()
	var carry *job // taken from the queue but left out of the last batch, which it would have overfilled
	for {
		first := carry
		carry = nil
		if first == nil {
			var ok bool
			if first, ok = <-b.queue; !ok {
				return
			}
		}
		batch, n := []*job{first}, len(first.inputs)
		var (
			t     *time.Timer
			timer <-chan time.Time
		)
		idle := b.idleChan()
		if b.maxWait > 0 && idle != nil {
			t = time.NewTimer(b.maxWait)
			timer = t.C
		}
	collect:
		for n < b.maxBatch {
			var j *job
			var ok bool
			if timer == nil {
				select {
				case j, ok = <-b.queue:
				default:
					break collect
				}
			} else {
				select {
				case j, ok = <-b.queue:
				case <-timer:
					break collect
				case <-idle:
					break collect
				}
			}
			if !ok {
				break
			}
			if n+len(j.inputs) > b.maxBatch {
				carry = j
				break
			}
			batch, n = append(batch, j), n+len(j.inputs)
		}
		if t != nil {
			t.Stop()
		}
		b.busy(+1)
		b.runBatch(batch)
		b.busy(-1)
	}
}

// idleChan is nil when no worker is running a batch, else a channel closed once none is.
func (b *batcher) idleChan() <-chan struct{} {
	b.runMu.Lock()
	defer b.runMu.Unlock()
	if b.running == 0 {
		return nil
	}
	return b.idle
}

// busy counts a worker into (+1) or out of (-1) running a batch.
func (b *batcher) busy(delta int) {
	b.runMu.Lock()
	defer b.runMu.Unlock()
	b.running += delta
	switch {
	case delta > 0 && b.running == 1:
		b.idle = make(chan struct{})
	case delta < 0 && b.running == 0:
		close(b.idle)
	}
}

// runningNow is the number of workers running a batch.
func (b *batcher) runningNow() int {
	b.runMu.Lock()
	defer b.runMu.Unlock()
	return b.running
}

// runBatch runs the jobs whose callers still wait as one call and hands each its results.
func (b *batcher) runBatch(batch []*job) {
	live := batch[:0]
	var inputs []string
	for _, j := range batch {
		if err := j.ctx.Err(); err != nil {
			j.done <- jobResult{err: err}
			continue
		}
		live = append(live, j)
		inputs = append(inputs, j.inputs...)
	}
	if len(live) == 0 {
		return
	}
	if b.observe != nil {
		b.observe(len(inputs))
	}
	results, err := b.run(inputs)
	if err == nil && len(results) != len(inputs) {
		err = errors.Errorf("the module gave %d results for %d inputs", len(results), len(inputs))
	}
	if err != nil && len(live) > 1 {
		// One bad input must not fail the others: run each request alone.
		for _, j := range live {
			r, err := b.run(j.inputs)
			j.done <- jobResult{results: r, err: err}
		}
		return
	}
	for _, j := range live {
		if err != nil {
			j.done <- jobResult{err: err}
			continue
		}
		j.done <- jobResult{results: results[:len(j.inputs)]}
		results = results[len(j.inputs):]
	}
}
