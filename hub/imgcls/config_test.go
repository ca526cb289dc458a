package imgcls

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/gohub/gohub/readers/picture"
)

func TestDefaultConfigIsPaddleHubs(t *testing.T) {
	c := DefaultConfig()
	assert.Equal(t, 256, c.ResizeShort)
	assert.Equal(t, [2]int{224, 224}, [2]int{c.Width, c.Height})
	assert.Equal(t, picture.RGB, c.Order)
	assert.Equal(t, float32(255), c.Divisor)
	assert.Equal(t, [3]float64{0.485, 0.456, 0.406}, c.Mean)
	assert.Equal(t, [3]float64{0.229, 0.224, 0.225}, c.Std)
	assert.Nil(t, c.Softmax)
	assert.Equal(t, 1, c.TopK)
}

// TestParseConfigFromYAML reads the maps as module.yaml decodes them (ints, float64s,
// []any), and as Go code writes them (known.go's recipes).
func TestParseConfigFromYAML(t *testing.T) {
	var m struct{ Pre, Post map[string]any }
	require.NoError(t, yaml.Unmarshal([]byte(`
pre: {resize_short: 320, crop: [288, 256], interpolation: lanczos, channel_order: bgr,
      scale: 0.00392156862745098, mean: [0.5, 0.5, 0.5], std: [1, 2, 0.5]}
post: {softmax: false, top_k: 5}
`), &m))
	c, err := ParseConfig(m.Pre, m.Post)
	require.NoError(t, err)
	assert.Equal(t, 320, c.ResizeShort)
	assert.Equal(t, [2]int{288, 256}, [2]int{c.Width, c.Height})
	assert.Equal(t, picture.BGR, c.Order)
	assert.Equal(t, picture.Lanczos, c.Filter)
	assert.Equal(t, float32(255), c.Divisor)
	assert.Equal(t, [3]float64{0.5, 0.5, 0.5}, c.Mean)
	assert.Equal(t, [3]float64{1, 2, 0.5}, c.Std)
	require.NotNil(t, c.Softmax)
	assert.False(t, *c.Softmax)
	assert.Equal(t, 5, c.TopK)

	c, err = ParseConfig(map[string]any{"resize": []int{300, 300}, "scale": 1.0, "mean": []float64{127.5, 127.5, 127.5}}, nil)
	require.NoError(t, err)
	assert.Equal(t, 0, c.ResizeShort)
	assert.Equal(t, [2]int{300, 300}, [2]int{c.Width, c.Height})
	assert.Equal(t, float32(1), c.Divisor)
}

func TestParseConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		pre, post map[string]any
		want      string
	}{
		{map[string]any{"resize_shot": 256}, nil, "preprocess resize_shot: unknown key"},
		{map[string]any{"crop": 300}, nil, "crop 300x300 is larger than resize_short 256"},
		{map[string]any{"crop": []any{1, 2, 3}}, nil, "want N or [W, H]"},
		{map[string]any{"resize": []int{8, 8}, "crop": 4}, nil, "not both"},
		{map[string]any{"mean": []any{0.5, 0.5}}, nil, "want 3 numbers"},
		{map[string]any{"std": []any{1, 0, 1}}, nil, "std must not be 0"},
		{map[string]any{"scale": -1}, nil, "want a positive number"},
		{map[string]any{"channel_order": "rgg"}, nil, "permutation of RGB"},
		{map[string]any{"interpolation": "cubic"}, nil, "want bilinear or lanczos"},
		{map[string]any{"resize_short": 2.5}, nil, "want a whole number"},
		{nil, map[string]any{"top_k": 0}, "postprocess top_k: want a whole number from 1"},
		{nil, map[string]any{"softmax": "yes"}, "want true or false"},
		{nil, map[string]any{"score_threshold": 0.5}, "postprocess score_threshold: unknown key"},
	} {
		_, err := ParseConfig(tc.pre, tc.post)
		assert.ErrorContains(t, err, tc.want, "%v %v", tc.pre, tc.post)
	}
}
