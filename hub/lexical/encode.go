package lexical

import (
	"math"

	"github.com/pkg/errors"
)

// batch is the model input for several texts: the ids of the non-empty ones back to back,
// the level-1 LoD that delimits them, and how many characters each id stands for.
type batch struct {
	ids   []int64
	lod   []uint
	spans []int // nil when every id is one character (no segmenter)
	seq   []int // seq[i] is the sequence of text i, or -1 for an empty text
}

// encode builds the batch of texts (valid UTF-8). Only empty texts are left out: the LAC
// package feeds white space to the model like any other text.
func (a *Analyzer) encode(texts []string) (*batch, error) {
	b := &batch{lod: []uint{0}, seq: make([]int, len(texts))}
	for i, t := range texts {
		b.seq[i] = -1
		if t == "" {
			continue
		}
		if a.seg != nil {
			b.ids, b.spans = a.vocab.AppendSegments(b.ids, b.spans, a.seg.Cut(t))
		} else {
			ids, err := a.vocab.Encode(t)
			if err != nil {
				return nil, errors.Wrapf(err, "text %d", i)
			}
			b.ids = append(b.ids, ids...)
		}
		// The input's shape is int32 in the C API.
		if len(b.ids) > math.MaxInt32 {
			return nil, errors.Errorf("lexical: batch of %d ids is too long", len(b.ids))
		}
		b.seq[i] = len(b.lod) - 1
		b.lod = append(b.lod, uint(len(b.ids)))
	}
	return b, nil
}

// sequence returns the part of values (one per id: ids or tags) and of the spans that
// belong to sequence k.
func (b *batch) sequence(k int, values []int64) ([]int64, []int) {
	lo, hi := b.lod[k], b.lod[k+1]
	if b.spans == nil {
		return values[lo:hi], nil
	}
	return values[lo:hi], b.spans[lo:hi]
}
