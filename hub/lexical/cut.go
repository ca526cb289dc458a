package lexical

import (
	"unicode/utf8"

	"github.com/pkg/errors"

	"github.com/gohub/gohub/hub/internal/predpool"
	"github.com/gohub/gohub/paddle"
)

// Cut analyses texts, one Result per text in order. Texts are fed BatchSize at a time,
// up to Threads batches at once; an empty text gives an empty Result. A text that is not
// valid UTF-8 fails the whole call, before the model runs.
func (a *Analyzer) Cut(texts []string) ([]Result, error) {
	for i, t := range texts {
		if !utf8.ValidString(t) {
			return nil, errors.Errorf("lexical: text %d is not valid UTF-8", i)
		}
	}
	results := make([]Result, len(texts))
	err := a.pool.Run(len(texts), a.opts.BatchSize, func(pred *paddle.Predictor, lo, hi int) error {
		return a.cutBatch(pred, texts[lo:hi], results[lo:hi])
	})
	if errors.Is(err, predpool.ErrClosed) {
		return nil, errors.New("lexical: Cut on a closed analyzer")
	}
	if err != nil {
		return nil, err
	}
	return results, nil
}

// cutBatch analyses texts on pred into results.
func (a *Analyzer) cutBatch(pred *paddle.Predictor, texts []string, results []Result) error {
	b, err := a.encode(texts)
	if err != nil {
		return err
	}
	var tagIDs []int64
	if len(b.ids) > 0 {
		if tagIDs, err = infer(pred, a.input, a.output, b.ids, b.lod); err != nil {
			return err
		}
	}
	withTag := a.opts.Mode == ModeLAC && !a.opts.NoTag
	for i, t := range texts {
		if b.seq[i] < 0 {
			results[i] = assemble("", nil, withTag)
			continue
		}
		ids, spans := b.sequence(b.seq[i], tagIDs)
		tags, err := a.tagNames(ids)
		if err != nil {
			return errors.WithMessagef(err, "text %q", t)
		}
		tags = expand(tags, spans)
		if a.dict != nil {
			a.dict.apply(t, tags)
		}
		results[i] = assemble(t, tags, withTag)
	}
	return nil
}

// tagNames maps the model's tag ids to tag.dic's names.
func (a *Analyzer) tagNames(ids []int64) ([]string, error) {
	names := make([]string, len(ids))
	for i, id := range ids {
		name, ok := a.vocab.TagName(id)
		if !ok {
			return nil, errors.Errorf("lexical: the model gave tag id %d, which tag.dic lacks", id)
		}
		names[i] = name
	}
	return names, nil
}
