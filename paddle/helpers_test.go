package paddle

import (
	"path/filepath"
	"testing"

	"github.com/pkg/errors"

	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/internal/shared"
	"github.com/gohub/gohub/readers/lac"
)

// The real LAC segmentation model's input and output (reference/paddle_formats.md §3.1).
const (
	lacInput  = "words"
	lacOutput = "save_infer_model/scale_0"
)

// lacDir returns the real LAC segmentation model's directory, or skips.
func lacDir(t testing.TB) string {
	t.Helper()
	dir, err := shared.Path("models", "lac_seg")
	if err != nil {
		t.Skipf("real LAC model absent, skipping: %v", err)
	}
	return dir
}

func newLACPredictor(t testing.TB) *Predictor {
	t.Helper()
	return newLACPredictorThreads(t, 1)
}

// newLACPredictorThreads is newLACPredictor with threads CPU math threads.
func newLACPredictorThreads(t testing.TB, threads int) *Predictor {
	t.Helper()
	cfg, err := NewConfig()
	require.NoError(t, err)
	require.NoError(t, cfg.SetModelDir(filepath.Join(lacDir(t), "model")))
	require.NoError(t, cfg.SetCpuMathLibraryNumThreads(threads))
	pred, err := NewPredictor(cfg)
	require.NoError(t, err)
	t.Cleanup(pred.Destroy)
	return pred
}

func lacVocab(t testing.TB) *lac.Vocab {
	t.Helper()
	v, err := lac.LoadVocab(filepath.Join(lacDir(t), "conf"))
	require.NoError(t, err)
	return v
}

// segment runs texts through the model and returns the words of each.
func segment(t testing.TB, pred *Predictor, v *lac.Vocab, texts ...string) [][]string {
	t.Helper()
	words, err := segmentTexts(pred, v, texts...)
	require.NoError(t, err)
	return words
}

// segmentTexts is segment for goroutines other than the test's, where require may not stop
// the test.
func segmentTexts(pred *Predictor, v *lac.Vocab, texts ...string) ([][]string, error) {
	b, err := v.NewBatch(texts)
	if err != nil {
		return nil, err
	}
	var tags []int64
	var lod []uint
	if !b.Empty() {
		if tags, lod, err = runLAC(pred, b); err != nil {
			return nil, err
		}
	}
	words, err := v.DecodeBatch(b, tags, lod)
	if err != nil {
		return nil, err
	}
	out := make([][]string, len(words))
	for i, w := range words {
		out[i] = lac.Texts(w)
	}
	return out, nil
}

// runLAC feeds a batch to the model and returns the tag ids and their LoD.
func runLAC(pred *Predictor, b *lac.Batch) ([]int64, []uint, error) {
	in, err := pred.GetInputHandle(lacInput)
	if err != nil {
		return nil, nil, err
	}
	defer in.Destroy()
	if err := in.Reshape(b.Shape()); err != nil {
		return nil, nil, err
	}
	if err := CopyFromCpu(in, b.IDs); err != nil {
		return nil, nil, err
	}
	if err := in.SetLod([][]uint{b.LoD}); err != nil {
		return nil, nil, err
	}
	if err := pred.Run(); err != nil {
		return nil, nil, err
	}
	out, err := pred.GetOutputHandle(lacOutput)
	if err != nil {
		return nil, nil, err
	}
	defer out.Destroy()
	tags := make([]int64, len(b.IDs))
	if err := CopyToCpu(out, tags); err != nil {
		return nil, nil, err
	}
	lod, err := out.Lod()
	if err != nil {
		return nil, nil, err
	}
	if len(lod) != 1 {
		return nil, nil, errors.Errorf("output LoD %v, want one level", lod)
	}
	return tags, lod[0], nil
}
