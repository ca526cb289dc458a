package main

import (
	"context"
	"io"
	"math"
	"os"
	"slices"
	"time"

	"github.com/pkg/errors"

	"github.com/gohub/gohub/finetune"
	"github.com/gohub/gohub/hub"
	"github.com/gohub/gohub/readers/dataset"
	"github.com/gohub/gohub/readers/imgbatch"
)

// loopResult is the fine-tune loop's rate (-loop), measured after the raw step's.
type loopResult struct {
	Impl          string  `json:"impl"`
	Model         string  `json:"model"`
	Device        string  `json:"device"`
	Precision     string  `json:"precision"`
	Batch         int     `json:"batch"`
	Threads       int     `json:"threads"`
	Steps         int     `json:"steps"`
	Seconds       float64 `json:"seconds"`
	ImagesPerSec  float64 `json:"images_per_sec"`
	MsPerStep     float64 `json:"ms_per_step"`
	MedianMs      float64 `json:"median_ms_per_step"` // between two StepEvents
	DataWaitShare float64 `json:"data_wait_share"`    // of the whole run, warm-up included
	Cached        int     `json:"cached_pictures"`
	CacheHits     int64   `json:"cache_hits"`
	CacheMisses   int64   `json:"cache_misses"` // all in the untimed decoding pass
	RawImagesSec  float64 `json:"raw_images_per_sec"`
	RawMedianMs   float64 `json:"raw_median_ms_per_step"`
	Ratio         float64 `json:"ratio"`                 // loop / raw, images per second
	MedianRatio   float64 `json:"median_ratio"`          // raw / loop, median step times
	CUDAGraph     bool    `json:"cuda_graph,omitempty"`  // -cuda-graph
	CUDAGraphs    int     `json:"cuda_graphs,omitempty"` // recordings made and launched
}

// loopSpec is what -loop measures: the fine-tune loop on the same model, batch and threads
// as the raw step.
type loopSpec struct {
	model, name        string // the model's directory, and its name for the result
	data               string // the data set folder (PaddleHub's image list format)
	examples           int    // the first examples of the training list; 0: all
	repeat             int    // those examples this many times over
	batch, threads     int
	steps, warmup      int // warmup at least 1: the timed window starts at a step's end
	seconds            float64
	rawImagesPerSecond float64
	rawMedianMs        float64
	on                 place
}

// measureLoop runs finetune.ImageClassifierTask.Finetune as `gohub finetune` runs it (on a
// goroutine of its own, the thread not locked by the caller) with the momentum strategy
// the raw step's program has (lr 1e-3, mu 0.9, no decay, no clipping), no evaluation, no
// checkpoint and no log window in the timed part. The pictures are decoded into the
// reader's cache first, untimed, so that the timed steps compare the loop with the raw
// step and not the JPEG decoder with it. The timed window runs from the end of the
// -warmup'th step to the end of the last, through the task's StepEvents.
func measureLoop(s loopSpec) (loopResult, error) {
	module, err := hub.LoadContext(s.model, true, hub.AllowMissingParams())
	if err != nil {
		return loopResult{}, err
	}
	data, err := loopData(s.data, s.examples, s.repeat, s.batch)
	if err != nil {
		return loopResult{}, err
	}
	reader, err := finetune.NewReader(module, finetune.ReaderOptions{})
	if err != nil {
		return loopResult{}, err
	}
	if err := decodeAll(reader, data.Train); err != nil {
		return loopResult{}, err
	}
	ckpt, err := os.MkdirTemp("", "trainbench-loop-")
	if err != nil {
		return loopResult{}, err
	}
	defer os.RemoveAll(ckpt)
	const never = math.MaxInt32
	task, err := finetune.NewImageClassifierTask(module, data, reader, finetune.RunConfig{
		NumEpoch: never / len(data.Train), BatchSize: s.batch, CheckpointDir: ckpt, Threads: s.threads,
		LogInterval: never, EvalInterval: never, SaveCkptInterval: never, Seed: 1,
		UseGPU: s.on.gpu, TF32: s.on.tf32, CUDAGraph: s.on.graph,
		Strategy: finetune.DefaultStrategy{LearningRate: learningRate, Optimizer: "momentum",
			OptimizerAttrs: map[string]float64{"momentum": momentum}},
	})
	if err != nil {
		return loopResult{}, err
	}
	defer task.Close()
	w := &stepWindow{warmup: s.warmup, steps: s.steps, limit: time.Duration(s.seconds * float64(time.Second))}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w.stop = cancel
	task.Subscribe(w.observe)
	errc := make(chan error, 1)
	go func() { errc <- task.Finetune(ctx) }()
	switch err := <-errc; {
	case err == nil:
		return loopResult{}, errors.New("the fine-tune loop ended before the timed steps were done")
	case !errors.Is(err, context.Canceled):
		return loopResult{}, err
	}
	return w.result(s, task.Stats(), reader.CacheStats()), nil
}

// loopData is the training list of the data set folder, its first n examples when n > 0,
// repeat times over, with no dev or test part: Finetune then evaluates nothing.
func loopData(dir string, n, repeat, batch int) (*dataset.CV, error) {
	cv, err := dataset.LoadCV(dir, dataset.CVFiles{})
	if err != nil {
		return nil, err
	}
	train := cv.Train
	if n > 0 && n < len(train) {
		train = train[:n]
	}
	train = slices.Repeat(train, repeat)
	if len(train) < batch {
		return nil, errors.Errorf("%s: %d training examples, fewer than one batch of %d", dir, len(train), batch)
	}
	return &dataset.CV{Base: cv.Base, Labels: cv.Labels, Train: train}, nil
}

// decodeAll reads every example once, filling the reader's cache, and checks that their
// pictures all stayed in it.
func decodeAll(r *imgbatch.Reader, examples []dataset.Example) error {
	it := r.Epoch(context.Background(), examples, imgbatch.EpochOptions{BatchSize: 32})
	defer it.Close()
	for {
		b, err := it.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		b.Release()
	}
	pictures := map[string]bool{}
	for _, e := range examples {
		pictures[e.Path] = true
	}
	if c := r.CacheStats(); c.Pictures != len(pictures) {
		return errors.Errorf("the reader's cache holds %d of the %d pictures (%d of %d bytes)",
			c.Pictures, len(pictures), c.Bytes, c.Budget)
	}
	return nil
}

// stepWindow times the loop's steps from its StepEvents and stops the run when enough
// steps and seconds are timed.
type stepWindow struct {
	warmup, steps int
	limit         time.Duration
	stop          func()

	start, last time.Time
	timed       int
	times       []time.Duration // of the timed steps
}

func (w *stepWindow) observe(e finetune.Event) {
	se, ok := e.(finetune.StepEvent)
	if !ok {
		return
	}
	now := time.Now()
	switch {
	case se.Step < w.warmup:
		return
	case se.Step == w.warmup:
		w.start, w.last = now, now
		return
	}
	w.times = append(w.times, now.Sub(w.last))
	w.timed, w.last = se.Step-w.warmup, now
	if w.timed >= w.steps && now.Sub(w.start) >= w.limit {
		w.stop()
	}
}

func (w *stepWindow) result(s loopSpec, st finetune.RunStats, c imgbatch.CacheStats) loopResult {
	elapsed := w.last.Sub(w.start).Seconds()
	r := loopResult{
		Impl: "gohub-finetune-loop", Model: s.name, Device: s.on.device(), Precision: precision(false, s.on),
		Batch: s.batch, Threads: s.threads,
		Steps: w.timed, Seconds: round3(elapsed),
		ImagesPerSec: round3(float64(w.timed*s.batch) / elapsed), MsPerStep: round3(1000 * elapsed / float64(w.timed)),
		MedianMs: medianMs(w.times), RawMedianMs: s.rawMedianMs,
		Cached: c.Pictures, CacheHits: c.Hits, CacheMisses: c.Misses, RawImagesSec: s.rawImagesPerSecond,
		CUDAGraph: s.on.graph, CUDAGraphs: st.CUDAGraphs,
	}
	if st.Train > 0 {
		r.DataWaitShare = round3(st.DataWait.Seconds() / st.Train.Seconds())
	}
	if s.rawImagesPerSecond > 0 {
		r.Ratio = round3(r.ImagesPerSec / s.rawImagesPerSecond)
	}
	if r.MedianMs > 0 {
		r.MedianRatio = round3(s.rawMedianMs / r.MedianMs)
	}
	return r
}
