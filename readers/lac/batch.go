package lac

import (
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/pkg/errors"
)

// Batch is the model input for several texts: the ids of the non-blank texts back to back
// and the level-1 LoD offsets that delimit them, as the "words" input (INT64 [N, 1],
// lod_level 1) expects.
type Batch struct {
	// IDs holds one id per character of every non-blank text, in order.
	IDs []int64
	// LoD holds the offsets of the sequences in IDs: sequence k is IDs[LoD[k]:LoD[k+1]].
	// It always starts with 0, so a batch of blank texts has LoD [0] and no sequence.
	LoD []uint

	texts [][]rune // every input text, blank ones included
	seq   []int    // seq[i] is the sequence of texts[i], or -1 when the text is blank
}

// NewBatch encodes texts into one batch. Blank texts (empty or whitespace only) get no
// sequence: the model never sees them and DecodeBatch returns no words for them.
func (v *Vocab) NewBatch(texts []string) (*Batch, error) {
	b := &Batch{LoD: []uint{0}, texts: make([][]rune, len(texts)), seq: make([]int, len(texts))}
	total := 0
	for i, t := range texts {
		if !utf8.ValidString(t) {
			return nil, errors.Errorf("lac: text %d is not valid UTF-8", i)
		}
		b.texts[i] = []rune(t)
		b.seq[i] = -1
		if strings.TrimSpace(t) != "" {
			total += len(b.texts[i])
		}
	}
	// The model input's shape is int32 in the C API.
	if total > math.MaxInt32 {
		return nil, errors.Errorf("lac: batch of %d characters is too long", total)
	}
	b.IDs = make([]int64, 0, total)
	for i, t := range texts {
		if strings.TrimSpace(t) == "" {
			continue
		}
		b.seq[i] = len(b.LoD) - 1
		b.IDs = v.appendIDs(b.IDs, t)
		b.LoD = append(b.LoD, uint(len(b.IDs)))
	}
	return b, nil
}

// Len is the number of texts in the batch, blank ones included.
func (b *Batch) Len() int { return len(b.texts) }

// Empty reports whether no text reaches the model, so there is nothing to run.
func (b *Batch) Empty() bool { return len(b.IDs) == 0 }

// Shape is the shape of the model input: one row per character, one column.
func (b *Batch) Shape() []int32 { return []int32{int32(len(b.IDs)), 1} }

// DecodeBatch splits the model's output tags (one per id of b) into words for every text
// of b. lod is the output's LoD, which the model keeps equal to the input's; nil skips
// that check.
func (v *Vocab) DecodeBatch(b *Batch, tagIDs []int64, lod []uint) ([][]Word, error) {
	if len(tagIDs) != len(b.IDs) {
		return nil, errors.Errorf("lac: %d tags for %d characters", len(tagIDs), len(b.IDs))
	}
	if lod != nil && !slices.Equal(lod, b.LoD) {
		return nil, errors.Errorf("lac: output LoD %v differs from input LoD %v", lod, b.LoD)
	}
	out := make([][]Word, len(b.texts))
	for i, k := range b.seq {
		if k < 0 {
			continue
		}
		words, err := v.Decode(b.texts[i], tagIDs[b.LoD[k]:b.LoD[k+1]])
		if err != nil {
			return nil, errors.Wrapf(err, "text %d", i)
		}
		out[i] = words
	}
	return out, nil
}
