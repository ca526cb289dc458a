package detect

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/gohub/gohub/readers/picture"
)

func TestSplitRows(t *testing.T) {
	row := func(v float32) []float32 { return []float32{v, 0.9, 0.1, 0.2, 0.3, 0.4} }
	data := append(append(row(1), row(2)...), row(3)...)
	out, err := splitRows("out", []int32{3, 6}, [][]uint{{0, 2, 2, 3}}, data, 3)
	require.NoError(t, err)
	require.Len(t, out, 3)
	assert.Len(t, out[0], 2)
	assert.Empty(t, out[1])
	assert.Equal(t, float32(3), out[2][0][0])

	// One picture needs no LoD; nothing detected is [1, 1] holding -1 (or [0, 6]).
	out, err = splitRows("out", []int32{3, 6}, nil, data, 1)
	require.NoError(t, err)
	assert.Len(t, out[0], 3)
	for _, shape := range [][]int32{{1, 1}, {0, 6}} {
		out, err = splitRows("out", shape, [][]uint{{0, 1}}, []float32{-1}, 2)
		require.NoError(t, err)
		assert.Equal(t, [][][6]float32{nil, nil}, out)
	}

	_, err = splitRows("out", []int32{3, 6}, nil, data, 2)
	assert.ErrorContains(t, err, "does not split 3 rows among 2 pictures")
	_, err = splitRows("out", []int32{1, 1000}, nil, make([]float32, 1000), 1)
	assert.ErrorContains(t, err, "want [detections, 6]")
}

// PaddleHub's processor.py: threshold, scale by the picture's size in float32, clip.
func TestObjects(t *testing.T) {
	d := &Detector{thresh: 0.5, labels: []string{"background", "aeroplane", "bicycle"}, labelsPath: "l.txt"}
	objs, err := d.objects([][6]float32{
		{1, 0.75, 0.1, 0.2, 0.5, 0.6},
		{2, 0.4999, 0, 0, 1, 1},
		{2, 0.5, -0.25, 0.5, 1.5, 0.75},
	}, 640, 480)
	require.NoError(t, err)
	require.Len(t, objs, 2)
	assert.Equal(t, Object{Label: "aeroplane", Confidence: 0.75, Class: 1,
		Left: float64(float32(0.1) * 640), Top: float64(float32(0.2) * 480), Right: 320, Bottom: float64(float32(0.6) * 480)}, objs[0])
	assert.Equal(t, Object{Label: "bicycle", Confidence: 0.5, Class: 2, Left: 0, Top: 240, Right: 640, Bottom: 360}, objs[1])

	_, err = d.objects([][6]float32{{3, 0.9, 0, 0, 1, 1}}, 10, 10)
	assert.ErrorContains(t, err, "class 3 but the label file l.txt has 3 labels")
	objs, err = d.objects(nil, 10, 10)
	require.NoError(t, err)
	assert.NotNil(t, objs, "no detections is [], not null, in JSON")
}

func TestLoadLabels(t *testing.T) {
	l, err := LoadLabels(writeFile(t, "l.txt", "\ufeffbackground\r\n aeroplane \ndining table\n\n"))
	require.NoError(t, err)
	assert.Equal(t, []string{"background", "aeroplane", "dining table"}, l)
	for body, want := range map[string]string{"": "empty file", "a\n\nb\n": "line 2 is blank", "a\xff\n": "not valid UTF-8"} {
		_, err := LoadLabels(writeFile(t, "l.txt", body))
		assert.ErrorContains(t, err, want, "%q", body)
	}
	_, err = LoadLabels("no/such/labels.txt")
	assert.ErrorContains(t, err, "no/such/labels.txt")
}

func TestParseConfig(t *testing.T) {
	var m struct{ Pre, Post map[string]any }
	require.NoError(t, yaml.Unmarshal([]byte(`
pre: {resize: [320, 240], interpolation: bilinear, channel_order: rgb, scale: 0.00392156862745098,
      mean: [0.5, 0.5, 0.5], std: [1, 2, 0.5]}
post: {score_threshold: 0.3, background_label: 0}
`), &m))
	c, err := ParseConfig(m.Pre, m.Post)
	require.NoError(t, err)
	assert.Equal(t, [2]int{320, 240}, [2]int{c.Width, c.Height})
	assert.Equal(t, picture.Bilinear, c.Filter)
	assert.Equal(t, picture.RGB, c.Order)
	assert.Equal(t, float32(255), c.Divisor)
	assert.Equal(t, 0.3, c.ScoreThreshold)

	d := DefaultConfig()
	assert.Equal(t, picture.Preprocess{Width: 300, Height: 300, Filter: picture.Lanczos,
		Normalize: picture.Normalize{Order: picture.BGR, Divisor: 1, Mean: [3]float64{127.5, 127.5, 127.5},
			Std: [3]float64{127.502231, 127.502231, 127.502231}}}, d.Preprocess)
	assert.Equal(t, 0.5, d.ScoreThreshold)

	for _, tc := range []struct {
		pre, post map[string]any
		want      string
	}{
		{map[string]any{"resize_short": 256}, nil, "preprocess resize_short: unknown key"},
		{map[string]any{"resize": []any{1, 2, 3}}, nil, "want N or [W, H]"},
		{map[string]any{"interpolation": "cubic"}, nil, "want bilinear or lanczos"},
		{map[string]any{"std": []any{1, 0, 1}}, nil, "std must not be 0"},
		{nil, map[string]any{"score_threshold": 2}, "want a number from 0 to 1"},
		{nil, map[string]any{"top_k": 2}, "postprocess top_k: unknown key"},
	} {
		_, err := ParseConfig(tc.pre, tc.post)
		assert.ErrorContains(t, err, tc.want, "%v %v", tc.pre, tc.post)
	}
}
