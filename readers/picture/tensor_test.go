package picture

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseChannelOrder(t *testing.T) {
	for s, want := range map[string]ChannelOrder{"RGB": RGB, "rbg": RBG, "GBR": GBR, "GRB": GRB, "BGR": BGR, "bRg": BRG} {
		got, err := ParseChannelOrder(s)
		require.NoError(t, err, s)
		assert.Equal(t, want, got, s)
	}
	assert.Equal(t, "BGR", BGR.String())
	for _, s := range []string{"", "RG", "RGBA", "RRB", "XYZ"} {
		_, err := ParseChannelOrder(s)
		assert.ErrorContains(t, err, "want a permutation of RGB", s)
	}
}

var imagenet = Normalize{Order: RGB, Divisor: 255, Mean: [3]float64{0.485, 0.456, 0.406}, Std: [3]float64{0.229, 0.224, 0.225}}

func TestNormalizeNumbers(t *testing.T) {
	ssd := Normalize{Order: BGR, Divisor: 1, Mean: [3]float64{127.5, 127.5, 127.5}, Std: [3]float64{127.502231, 127.502231, 127.502231}}
	cases := []struct {
		name string
		n    Normalize
		pix  [3]uint8
		want [3]float32 // in output order
	}{
		{"imagenet black", imagenet, [3]uint8{0, 0, 0}, [3]float32{-2.1179039, -2.0357143, -1.8044444}},
		{"imagenet white", imagenet, [3]uint8{255, 255, 255}, [3]float32{2.2489083, 2.4285715, 2.64}},
		{"imagenet grey", imagenet, [3]uint8{128, 128, 128}, [3]float32{0.0740646, 0.2051821, 0.4264924}},
		{"ssd", ssd, [3]uint8{255, 0, 128}, [3]float32{0.0039214, -0.9999825, 0.9999825}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			im := &Image{Width: 1, Height: 1, Pix: c.pix[:]}
			dst := make([]float32, 3)
			require.NoError(t, c.n.CHW(dst, im))
			assert.InDeltaSlice(t, c.want[:], dst, 1e-6)
		})
	}
}

func TestNormalizeRoundsLikeNumpy(t *testing.T) {
	// x/255 in float32, then the float64 mean and std, stored to float32 after each step.
	dst := make([]float32, 3*256)
	im := NewImage(256, 1)
	for x := range 256 {
		im.Pix[3*x], im.Pix[3*x+1], im.Pix[3*x+2] = uint8(x), uint8(x), uint8(x)
	}
	require.NoError(t, imagenet.CHW(dst, im))
	for x := range 256 {
		v := float32(x) / 255
		v = float32(float64(v) - 0.456)
		assert.Equal(t, float32(float64(v)/0.224), dst[256+x], "G %d", x)
	}
}

func TestCHWLayout(t *testing.T) {
	// Two pixels (1,2,3) and (4,5,6); mean and std are per source channel, applied before
	// the channels are permuted.
	im := &Image{Width: 2, Height: 1, Pix: []uint8{1, 2, 3, 4, 5, 6}}
	plain := Normalize{Divisor: 1, Std: [3]float64{1, 1, 1}}
	cases := []struct {
		order ChannelOrder
		mean  [3]float64
		want  []float32
	}{
		{RGB, [3]float64{}, []float32{1, 4, 2, 5, 3, 6}},
		{BGR, [3]float64{}, []float32{3, 6, 2, 5, 1, 4}},
		{GBR, [3]float64{}, []float32{2, 5, 3, 6, 1, 4}},
		{BGR, [3]float64{1, 2, 3}, []float32{0, 3, 0, 3, 0, 3}},
	}
	for _, c := range cases {
		n := plain
		n.Order, n.Mean = c.order, c.mean
		dst := make([]float32, 6)
		require.NoError(t, n.CHW(dst, im))
		assert.Equal(t, c.want, dst, "%v mean %v", c.order, c.mean)
	}
}

func TestCHWLayoutTall(t *testing.T) {
	// Planes are H×W row-major: a 2×3 image's R plane lists rows top to bottom.
	im := lcgImage(2, 3, 5)
	dst := make([]float32, 18)
	require.NoError(t, Normalize{Order: RGB, Divisor: 1, Std: [3]float64{1, 1, 1}}.CHW(dst, im))
	for y := range 3 {
		for x := range 2 {
			for c := range 3 {
				assert.Equal(t, float32(im.at(x, y)[c]), dst[c*6+y*2+x])
			}
		}
	}
}

func TestNormalizeErrors(t *testing.T) {
	im := lcgImage(2, 2, 1)
	cases := []struct {
		name string
		n    Normalize
		dst  int
		want string
	}{
		{"zero divisor", Normalize{Std: [3]float64{1, 1, 1}}, 12, "divisor is 0"},
		{"zero std", Normalize{Divisor: 1, Std: [3]float64{1, 0, 1}}, 12, "std of channel 1 is 0"},
		{"short dst", imagenet, 11, "into 11 values, want 12"},
		{"bad order", Normalize{Order: ChannelOrder{0, 1, 3}, Divisor: 1, Std: [3]float64{1, 1, 1}}, 12, "names channel 3"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.ErrorContains(t, c.n.CHW(make([]float32, c.dst), im), c.want)
		})
	}
}

func TestBatch(t *testing.T) {
	a, b := lcgImage(3, 2, 1), lcgImage(3, 2, 2)
	batch, err := imagenet.NewBatch([]*Image{a, b})
	require.NoError(t, err)
	assert.Equal(t, []int64{2, 3, 2, 3}, batch.Shape())
	require.Len(t, batch.Data, 2*3*2*3)
	for i, im := range []*Image{a, b} {
		one := make([]float32, 18)
		require.NoError(t, imagenet.CHW(one, im))
		assert.Equal(t, one, batch.Data[i*18:(i+1)*18], "image %d", i)
	}

	_, err = imagenet.NewBatch(nil)
	assert.ErrorContains(t, err, "no images")
	_, err = imagenet.NewBatch([]*Image{a, lcgImage(2, 3, 1)})
	assert.ErrorContains(t, err, "batch image 1 is 2x3, image 0 is 3x2")
	_, err = imagenet.NewBatch([]*Image{a, nil})
	assert.ErrorContains(t, err, "batch image 1: normalize: nil image")
	_, err = imagenet.NewBatch([]*Image{nil})
	assert.ErrorContains(t, err, "batch image 0: nil image")
}
