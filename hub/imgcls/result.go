package imgcls

import (
	"bytes"
	"encoding/json"
	"math"
	"sort"
)

// Prediction is one class of an image's result.
type Prediction struct {
	Class       int     // index in the model's output and the label file
	Label       string  // the label's text before its first comma, as PaddleHub prints it
	Probability float64 // in [0, 1]
}

// Result is the top classes of one image, most probable first.
type Result []Prediction

// MarshalJSON writes PaddleHub's form, {"label": probability, ...} in rank order (a Go
// map would sort the keys). Two classes with one label (ImageNet has two "crane"s) give a
// repeated key, where PaddleHub's dict would keep only one of them.
func (r Result) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, p := range r {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(p.Label)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(p.Probability)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// isDistribution reports whether scores already are probabilities: none negative and a
// sum of 1 within float32 rounding over a thousand classes.
func isDistribution(scores []float32) bool {
	var sum float64
	for _, s := range scores {
		if s < 0 || math.IsNaN(float64(s)) {
			return false
		}
		sum += float64(s)
	}
	return math.Abs(sum-1) < 1e-3
}

// softmax returns exp(s)/Σexp(s), shifted by the maximum so that large logits do not
// overflow.
func softmax(scores []float32) []float64 {
	out := make([]float64, len(scores))
	maxS := math.Inf(-1)
	for _, s := range scores {
		maxS = math.Max(maxS, float64(s))
	}
	var sum float64
	for i, s := range scores {
		out[i] = math.Exp(float64(s) - maxS)
		sum += out[i]
	}
	for i := range out {
		out[i] /= sum
	}
	return out
}

// topK returns the indices of the k largest probabilities, largest first; ties keep the
// lower class first so that results do not depend on the sort.
func topK(probs []float64, k int) []int {
	idx := make([]int, len(probs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return probs[idx[a]] > probs[idx[b]] })
	return idx[:min(k, len(idx))]
}
