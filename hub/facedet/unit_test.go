package facedet

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/readers/picture"
)

func TestParseConfig(t *testing.T) {
	c, err := ParseConfig(map[string]any{"shrink": 1, "mean": []any{1, 2.5, 3}, "crop_size": 64},
		map[string]any{"confs_threshold": 0.3})
	require.NoError(t, err)
	assert.Equal(t, 1.0, c.Shrink)
	assert.Equal(t, [3]float32{1, 2.5, 3}, c.Mean)
	assert.Equal(t, 64, c.CropSize)
	assert.Equal(t, 0.3, c.ConfThreshold)
	assert.Equal(t, float32(0.007843), c.Scale)

	for _, bad := range []struct{ pre, post map[string]any }{
		{map[string]any{"shrnk": 0.5}, nil},
		{map[string]any{"shrink": -1}, nil},
		{map[string]any{"mean": []any{1, 2}}, nil},
		{map[string]any{"crop_size": 1.5}, nil},
		{nil, map[string]any{"confs_threshold": 2}},
		{nil, map[string]any{"score_threshold": 0.5}},
	} {
		_, err := ParseConfig(bad.pre, bad.post)
		assert.Error(t, err, "%v %v", bad.pre, bad.post)
	}
}

// PaddleHub keeps scores strictly above the threshold and truncates clipped boxes.
func TestSelectFaces(t *testing.T) {
	cfg := DefaultConfig()
	rows := [][6]float32{
		{1, 0.9, 0.1, 0.2, 0.30001, 0.5},
		{1, 0.6, 0.1, 0.1, 0.2, 0.2}, // float32(0.6) > 0.6 in float64: kept, as numpy does
		{1, 0.5999, 0.1, 0.1, 0.2, 0.2},
		{1, 0.7, -0.1, 0.5, 1.2, 1.5},
	}
	boxes, scores, err := selectFaces(rows, 50, 40, 100, 80, cfg)
	require.NoError(t, err)
	assert.Equal(t, []Box{{10, 16, 30, 40}, {10, 8, 20, 16}, {0, 40, 100, 80}}, boxes)
	assert.Equal(t, []float64{float64(float32(0.9)), float64(float32(0.6)), float64(float32(0.7))}, scores)
}

// A face at the picture's corner: the crop's outside is black, the inside the picture's.
func TestCropBorder(t *testing.T) {
	im := picture.NewImage(40, 30)
	for i := range im.Pix {
		im.Pix[i] = 200
	}
	crop := cropFace(im, Box{0, 0, 10, 10}, 1.5, 128)
	px := func(x, y int) uint8 { return crop.Pix[3*(y*128+x)] }
	assert.Equal(t, uint8(0), px(5, 5), "outside the picture")
	assert.Equal(t, uint8(200), px(100, 100), "inside")
	assert.Equal(t, uint8(0), px(127, 0), "above the picture")

	// A box without extent crops to black instead of dividing by zero.
	assert.Equal(t, make([]uint8, 3*128*128), cropFace(im, Box{5, 5, 5, 5}, 1.5, 128).Pix)
}

// Scale 1 about a whole-pixel centre maps pixels onto pixels: the crop is a plain copy.
func TestCropIdentity(t *testing.T) {
	im := picture.NewImage(256, 256)
	for i := range im.Pix {
		im.Pix[i] = uint8(i * 7)
	}
	// An 86×86 box (half-side 43) at crop scale 128/86 spans exactly 128 pixels.
	crop := cropFace(im, Box{100, 100, 186, 186}, 128.0/86, 128)
	for y := range 128 {
		for x := range 128 {
			sx, sy := 143-64+x, 143-64+y
			require.Equal(t, im.Pix[3*(sy*256+sx):3*(sy*256+sx)+3], crop.Pix[3*(y*128+x):3*(y*128+x)+3], "(%d, %d)", x, y)
		}
	}
}
