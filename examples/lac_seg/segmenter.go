package main

import (
	"path/filepath"
	"sync"

	"github.com/pkg/errors"

	"github.com/gohub/gohub/paddle"
	"github.com/gohub/gohub/readers/lac"
)

// segmenter is the LAC segmentation model and its dictionaries.
type segmenter struct {
	pred  *paddle.Predictor
	vocab *lac.Vocab
	input string
	out   string
}

func newSegmenter(dir string) (*segmenter, error) {
	vocab, err := lac.LoadVocab(filepath.Join(dir, "conf"))
	if err != nil {
		return nil, err
	}
	cfg, err := paddle.NewConfig()
	if err != nil {
		return nil, err
	}
	if err := cfg.SetModelDir(filepath.Join(dir, "model")); err != nil {
		cfg.Destroy()
		return nil, err
	}
	pred, err := paddle.NewPredictor(cfg)
	if err != nil {
		return nil, errors.WithMessagef(err, "load %s", dir)
	}
	s := &segmenter{pred: pred, vocab: vocab}
	if err := s.findIO(); err != nil {
		pred.Destroy()
		return nil, err
	}
	return s, nil
}

// findIO reads the names of the model's only input and output.
func (s *segmenter) findIO() error {
	in, err := s.pred.GetInputNames()
	if err != nil {
		return err
	}
	out, err := s.pred.GetOutputNames()
	if err != nil {
		return err
	}
	if len(in) != 1 || len(out) != 1 {
		return errors.Errorf("want a model with one input and one output, got %v and %v", in, out)
	}
	s.input, s.out = in[0], out[0]
	return nil
}

func (s *segmenter) Destroy() { s.pred.Destroy() }

// SegmentAll segments every text, using up to threads predictors in parallel: the first
// and clones of it, one per goroutine, since a predictor serves one goroutine at a time.
func (s *segmenter) SegmentAll(texts []string, threads int) ([][]string, error) {
	threads = min(threads, len(texts))
	preds := []*paddle.Predictor{s.pred}
	for len(preds) < threads {
		c, err := s.pred.Clone()
		if err != nil {
			return nil, err
		}
		defer c.Destroy()
		preds = append(preds, c)
	}

	results := make([][]string, len(texts))
	errs := make([]error, len(preds))
	next := make(chan int)
	var wg sync.WaitGroup
	for w, pred := range preds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if errs[w] != nil {
					continue // drain, so that the feeder never blocks
				}
				results[i], errs[w] = s.segment(pred, texts[i])
				errs[w] = errors.WithMessagef(errs[w], "sentence %d", i+1)
			}
		}()
	}
	for i := range texts {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return results, nil
}

// segment runs one text through pred.
func (s *segmenter) segment(pred *paddle.Predictor, text string) ([]string, error) {
	b, err := s.vocab.NewBatch([]string{text})
	if err != nil {
		return nil, err
	}
	if b.Empty() {
		return nil, nil // LAC gives no words for a blank text and never runs the model
	}
	tags, lod, err := s.run(pred, b)
	if err != nil {
		return nil, err
	}
	words, err := s.vocab.DecodeBatch(b, tags, lod)
	if err != nil {
		return nil, err
	}
	return lac.Texts(words[0]), nil
}

// run feeds a batch to pred and returns the tag ids and the output's LoD level.
func (s *segmenter) run(pred *paddle.Predictor, b *lac.Batch) ([]int64, []uint, error) {
	in, err := pred.GetInputHandle(s.input)
	if err != nil {
		return nil, nil, err
	}
	defer in.Destroy()
	if err := in.Reshape(b.Shape()); err != nil {
		return nil, nil, err
	}
	if err := paddle.CopyFromCpu(in, b.IDs); err != nil {
		return nil, nil, err
	}
	if err := in.SetLod([][]uint{b.LoD}); err != nil {
		return nil, nil, err
	}
	if err := pred.Run(); err != nil {
		return nil, nil, err
	}
	out, err := pred.GetOutputHandle(s.out)
	if err != nil {
		return nil, nil, err
	}
	defer out.Destroy()
	tags := make([]int64, len(b.IDs))
	if err := paddle.CopyToCpu(out, tags); err != nil {
		return nil, nil, err
	}
	lod, err := out.Lod()
	if err != nil {
		return nil, nil, err
	}
	if len(lod) != 1 {
		return nil, nil, errors.Errorf("model output has LoD %v, want one level", lod)
	}
	return tags, lod[0], nil
}
