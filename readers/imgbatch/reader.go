package imgbatch

import (
	"context"
	"io"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pkg/errors"

	"github.com/gohub/gohub/readers/dataset"
	"github.com/gohub/gohub/readers/picture"
)

// DefaultSize is the width and height PaddleHub's image classifiers take.
const DefaultSize = 224

// DefaultPrefetch is how many batches are prepared ahead of the consumer by default:
// enough to absorb a slow picture, few enough to keep memory small (a 32×3×224×224 batch is
// 19 MB).
const DefaultPrefetch = 3

// Config sets up a Reader. The zero value is PaddleHub's reader at 224×224 with mean 0,
// std 1, RGB, on runtime.NumCPU() workers, with a DefaultCacheBytes picture cache.
type Config struct {
	Width, Height int                  // default 224
	Mean, Std     [3]float64           // per source channel R, G, B; Std all 0 means mean 0, std 1
	Order         picture.ChannelOrder // output channel order; the zero value means RGB

	// Module, when set, is a module's own inference preprocessing (e.g.
	// imgcls.Config.Preprocess) and replaces everything above.
	Module *picture.Preprocess

	Workers  int // goroutines decoding; default runtime.NumCPU()
	Prefetch int // batches prepared ahead; default DefaultPrefetch

	// CacheBytes bounds the decoded-picture cache (see the package doc): 0 means
	// DefaultCacheBytes, NoCache (any negative value) turns it off.
	CacheBytes int64
}

// Reader makes batches. It is safe for concurrent use; its epochs share a buffer pool.
type Reader struct {
	pre      picture.Preprocess
	workers  int
	prefetch int
	pool     sync.Pool // *Batch
	cache    *cache    // nil when off
}

// NewReader checks cfg and fills in its defaults.
func NewReader(cfg Config) (*Reader, error) {
	r := &Reader{workers: cfg.Workers, prefetch: cfg.Prefetch}
	if r.workers <= 0 {
		r.workers = runtime.NumCPU()
	}
	if r.prefetch <= 0 {
		r.prefetch = DefaultPrefetch
	}
	budget := cfg.CacheBytes
	if budget == 0 {
		budget = DefaultCacheBytes
	}
	r.cache = newCache(budget)
	if cfg.Module != nil {
		r.pre = *cfg.Module
	} else {
		r.pre = picture.Preprocess{
			Width: cfg.Width, Height: cfg.Height, Filter: picture.Lanczos,
			Normalize: picture.Normalize{Order: cfg.Order, Divisor: 255, Mean: cfg.Mean, Std: cfg.Std},
		}
		if r.pre.Width == 0 {
			r.pre.Width = DefaultSize
		}
		if r.pre.Height == 0 {
			r.pre.Height = DefaultSize
		}
		if r.pre.Order == (picture.ChannelOrder{}) {
			r.pre.Order = picture.RGB
		}
		if r.pre.Std == ([3]float64{}) {
			r.pre.Mean, r.pre.Std = [3]float64{}, [3]float64{1, 1, 1}
		}
	}
	p := r.pre
	if p.Width <= 0 || p.Height <= 0 {
		return nil, errors.Errorf("imgbatch: image size %dx%d: width and height must be positive", p.Width, p.Height)
	}
	if p.Divisor == 0 {
		return nil, errors.New("imgbatch: normalisation divisor is 0")
	}
	for c, s := range p.Std {
		if s == 0 {
			return nil, errors.Errorf("imgbatch: std of channel %d is 0", c)
		}
	}
	seen := [3]bool{}
	for _, c := range p.Order {
		if c < 0 || c > 2 || seen[c] {
			return nil, errors.Errorf("imgbatch: channel order %v is not a permutation of RGB", [3]int(p.Order))
		}
		seen[c] = true
	}
	return r, nil
}

// Preprocess is the recipe the reader applies.
func (r *Reader) Preprocess() picture.Preprocess { return r.pre }

// CacheStats describe the decoded-picture cache; the zero value when it is off.
func (r *Reader) CacheStats() CacheStats { return r.cache.stats() }

// Batch is N images as one [N,3,H,W] float32 tensor with their labels and files.
type Batch struct {
	Images []float32 // N*3*H*W values, NCHW
	Labels []int64   // the examples' labels (-1 for unlabelled ones)
	Paths  []string
	N      int
	H, W   int
	Index  int // the batch's number in its epoch, from 0

	pool *sync.Pool
}

// Shape is the images tensor's dimensions.
func (b *Batch) Shape() []int64 { return []int64{int64(b.N), 3, int64(b.H), int64(b.W)} }

// Release hands the batch's buffers back for a later batch. The batch must not be used
// afterwards; releasing it twice, or not at all, is harmless.
func (b *Batch) Release() {
	if b == nil || b.pool == nil {
		return
	}
	p := b.pool
	b.pool = nil
	clear(b.Paths)
	p.Put(b)
}

// batch returns a batch of n images, reusing a released one when one is big enough; a
// new one has room for capacity images, so that a short last batch's buffers serve the
// next epoch's full ones.
func (r *Reader) batch(n, capacity int) *Batch {
	size := 3 * r.pre.Width * r.pre.Height
	b, _ := r.pool.Get().(*Batch)
	if b == nil || cap(b.Images) < n*size || cap(b.Labels) < n || cap(b.Paths) < n {
		capacity = max(n, capacity)
		b = &Batch{Images: make([]float32, capacity*size), Labels: make([]int64, capacity), Paths: make([]string, capacity)}
	}
	b.Images, b.Labels, b.Paths = b.Images[:n*size], b.Labels[:n], b.Paths[:n]
	b.N, b.H, b.W, b.pool = n, r.pre.Height, r.pre.Width, &r.pool
	return b
}

// EpochOptions says which batches an epoch yields.
type EpochOptions struct {
	BatchSize  int
	Shuffle    bool   // a permutation fixed by Seed and Epoch
	DropLast   bool   // leave out a last, short batch (for training)
	Augment    bool   // one random transform per image (package doc); for training only
	Seed       uint64 // with Epoch, fixes the order and every augmentation decision
	Epoch      int
	StartBatch int // skip this many batches without decoding them
}

// NumBatches is how many batches an epoch over n examples has (StartBatch not deducted).
func (o EpochOptions) NumBatches(n int) int {
	if o.BatchSize <= 0 {
		return 0
	}
	if o.DropLast {
		return n / o.BatchSize
	}
	return (n + o.BatchSize - 1) / o.BatchSize
}

// Stats is what the consumer of an epoch waited.
type Stats struct {
	Batches int           // batches Next returned
	Images  int           // images in them
	Wait    time.Duration // time spent inside Next
	Elapsed time.Duration // since Epoch was called (until Close)
}

// WaitShare is the part of the elapsed time the consumer spent waiting for data: near 0
// when the workers keep up, near 1 when the trainer starves.
func (s Stats) WaitShare() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Wait) / float64(s.Elapsed)
}

// ErrClosed is Next's error after Close.
var ErrClosed = errors.New("imgbatch: iterator closed")

// Iterator yields one epoch's batches in order. Next and Close are for one goroutine;
// Stats may be called from any.
type Iterator struct {
	ctx    context.Context
	cancel context.CancelFunc
	queue  chan *pending
	wg     sync.WaitGroup
	err    error
	closed bool
	start  time.Time
	end    time.Time

	mu    sync.Mutex
	stats Stats
}

// pending is a batch the workers are filling.
type pending struct {
	b    *Batch
	left atomic.Int32
	done chan struct{}

	mu      sync.Mutex
	errSlot int
	err     error
}

// fail records a sample's error; the lowest slot's wins, so that the error does not
// depend on which worker finished first.
func (p *pending) fail(slot int, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err == nil || slot < p.errSlot {
		p.errSlot, p.err = slot, err
	}
}

type job struct {
	p     *pending
	slot  int
	index int // into the examples
}

// Epoch starts an epoch over examples. Problems with the options come back from the first
// Next. The iterator must be closed.
func (r *Reader) Epoch(ctx context.Context, examples []dataset.Example, opt EpochOptions) *Iterator {
	ctx, cancel := context.WithCancel(ctx)
	it := &Iterator{ctx: ctx, cancel: cancel, start: time.Now(), queue: make(chan *pending, r.prefetch)}
	nb := opt.NumBatches(len(examples))
	switch {
	case opt.BatchSize <= 0:
		it.err = errors.Errorf("imgbatch: batch size %d: must be positive", opt.BatchSize)
	case opt.StartBatch < 0 || opt.StartBatch > nb:
		it.err = errors.Errorf("imgbatch: start batch %d outside the epoch's %d batches", opt.StartBatch, nb)
	}
	if it.err != nil {
		close(it.queue)
		return it
	}
	var order []int
	if opt.Shuffle {
		order = newGen(opt.Seed, streamShuffle, opt.Epoch, 0).permutation(len(examples))
	}
	jobs := make(chan job, r.workers)
	it.wg.Add(1 + r.workers)
	go func() { // the producer: batches in order, their samples to the workers
		defer it.wg.Done()
		defer close(it.queue)
		defer close(jobs)
		for bi := opt.StartBatch; bi < nb; bi++ {
			lo, hi := bi*opt.BatchSize, min((bi+1)*opt.BatchSize, len(examples))
			p := &pending{b: r.batch(hi-lo, opt.BatchSize), done: make(chan struct{})}
			p.b.Index = bi
			p.left.Store(int32(hi - lo))
			for s := lo; s < hi; s++ {
				i := s
				if order != nil {
					i = order[s]
				}
				p.b.Labels[s-lo], p.b.Paths[s-lo] = examples[i].Label, examples[i].Path
			}
			select {
			case it.queue <- p:
			case <-ctx.Done():
				p.b.Release()
				return
			}
			for s := lo; s < hi; s++ {
				i := s
				if order != nil {
					i = order[s]
				}
				select {
				case jobs <- job{p: p, slot: s - lo, index: i}:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	size := 3 * r.pre.Width * r.pre.Height
	for range r.workers {
		go func() {
			defer it.wg.Done()
			for j := range jobs {
				if ctx.Err() == nil {
					var aug *gen
					if opt.Augment {
						aug = newGen(opt.Seed, streamSample, opt.Epoch, j.index)
					}
					dst := j.p.b.Images[j.slot*size : (j.slot+1)*size]
					if err := r.load(dst, j.p.b.Paths[j.slot], aug); err != nil {
						j.p.fail(j.slot, err)
					}
				}
				if j.p.left.Add(-1) == 0 {
					close(j.p.done)
				}
			}
		}()
	}
	return it
}

// load decodes, resizes, augments and normalises one picture into dst. A decoder that
// panics on a malformed file becomes that file's error: one bad picture must not take a
// whole training run down with it.
func (r *Reader) load(dst []float32, path string, aug *gen) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &picture.FileError{Path: path, Err: errors.Errorf("%s: decoder panicked: %v", path, v)}
		}
	}()
	im, shared, err := r.sized(path)
	if err != nil {
		return err
	}
	if aug != nil {
		if shared {
			im = clonePicture(im) // the transforms work in place
		}
		im = drawAugmentation(aug).Apply(im)
	}
	return errors.Wrap(r.pre.Normalize.CHW(dst, im), path)
}

// sized returns path's picture after the recipe's geometry: from the cache (shared, to be
// read only) or decoded, resized and offered to the cache.
func (r *Reader) sized(path string) (im *picture.Image, shared bool, err error) {
	var fi os.FileInfo
	if r.cache != nil {
		if im, fi = r.cache.get(path); im != nil {
			return im, true, nil
		}
	}
	if im, err = picture.Load(path); err != nil {
		return nil, false, err // a *picture.FileError naming the path
	}
	if im, err = r.pre.Geometry(im); err != nil {
		return nil, false, &picture.FileError{Path: path, Err: errors.Wrap(err, path)}
	}
	return im, r.cache.put(path, fi, im), nil
}

// Next returns the next batch, or io.EOF after the last. After an error the iterator is
// done and Next keeps returning that error. The caller owns the batch and may Release it.
func (it *Iterator) Next() (*Batch, error) {
	if it.err != nil {
		return nil, it.err
	}
	t0 := time.Now()
	p, ok := <-it.queue
	if ok {
		select {
		case <-p.done:
		case <-it.ctx.Done():
			ok = false
		}
	}
	it.mu.Lock()
	it.stats.Wait += time.Since(t0)
	it.mu.Unlock()
	switch {
	case !ok && it.ctx.Err() != nil:
		it.err = it.ctx.Err()
		if it.closed {
			it.err = ErrClosed
		}
	case !ok:
		it.err = io.EOF
	case p.err != nil:
		it.err = p.err
		p.b.Release()
		it.cancel()
	}
	if it.err != nil {
		return nil, it.err
	}
	it.mu.Lock()
	it.stats.Batches++
	it.stats.Images += p.b.N
	it.mu.Unlock()
	return p.b, nil
}

// Close stops the workers and waits for them. It returns nil; it is idempotent.
func (it *Iterator) Close() error {
	if it.closed {
		return nil
	}
	it.closed = true
	it.cancel()
	it.wg.Wait()
	for p := range it.queue { // the producer closed it; workers are done with these
		p.b.Release()
	}
	if it.err == nil || it.err == io.EOF {
		it.err = ErrClosed
	}
	it.mu.Lock()
	it.end = time.Now()
	it.mu.Unlock()
	return nil
}

// Stats reports the consumer's waiting so far.
func (it *Iterator) Stats() Stats {
	it.mu.Lock()
	defer it.mu.Unlock()
	s := it.stats
	end := it.end
	if end.IsZero() {
		end = time.Now()
	}
	s.Elapsed = end.Sub(it.start)
	return s
}
