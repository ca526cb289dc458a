package imgcls

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestTopKAndSoftmax(t *testing.T) {
	probs := []float64{0.1, 0.4, 0.1, 0.4}
	assert.Equal(t, []int{1, 3, 0}, topK(probs, 3), "ties keep the lower class first")
	assert.Equal(t, []int{1, 3, 0, 2}, topK(probs, 10), "k beyond the classes gives them all")

	p := softmax([]float32{1000, 1000, -1000})
	assert.InDelta(t, 0.5, p[0], 1e-12, "large logits do not overflow")
	assert.InDelta(t, 0.5, p[1], 1e-12)
	assert.InDelta(t, 0, p[2], 1e-12)

	assert.True(t, isDistribution([]float32{0.25, 0.75}))
	assert.False(t, isDistribution([]float32{2, -1}), "logits")
	assert.False(t, isDistribution([]float32{0.2, 0.2}))
}

func TestRankAppliesSoftmaxOnlyToLogits(t *testing.T) {
	c := &Classifier{opts: Options{TopK: 2}, cfg: DefaultConfig(), labels: &Labels{Short: []string{"a", "b", "c"}}}
	r := c.rank([]float32{0.2, 0.7, 0.1})
	assert.Equal(t, Result{{1, "b", float64(float32(0.7))}, {0, "a", float64(float32(0.2))}}, r)

	r = c.rank([]float32{0, 2, 1})
	assert.Equal(t, []int{1, 2}, []int{r[0].Class, r[1].Class})
	assert.InDelta(t, 0.665, r[0].Probability, 1e-3)

	// A module that says its model outputs logits gets softmax even on a distribution.
	on := true
	c.cfg.Softmax = &on
	r = c.rank([]float32{0.2, 0.7, 0.1})
	assert.InDelta(t, 0.464, r[0].Probability, 1e-3)
}
