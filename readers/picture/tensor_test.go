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

// TestNormalizeRoundsLikeNumpy compares the ImageNet normalisation of grey pixels with
// numpy's (2.4.6) run of PaddleHub's classifier arithmetic, which stores to float32 after
// each step because the image array is float32 and the mean and std float64:
//
//	im = img.astype("float32") / 255
//	im -= np.array([0.485, 0.456, 0.406]); im /= np.array([0.229, 0.224, 0.225])
//
// The values are numpy's, printed as the shortest float32 that reads back the same, and are
// compared exactly. Among them are levels where doing the sums in float64 throughout (7, 20,
// 128, ...) or in float32 throughout (0, 15, 127, ...) gives another float32, so the table
// tells numpy's order of rounding from both.
func TestNormalizeRoundsLikeNumpy(t *testing.T) {
	want := []struct {
		level uint8
		rgb   [3]float32
	}{
		{0, [3]float32{-2.117904, -2.0357144, -1.8044444}},
		{1, [3]float32{-2.1007793, -2.0182073, -1.7870152}},
		{7, [3]float32{-1.9980305, -1.9131653, -1.68244}},
		{15, [3]float32{-1.8610326, -1.7731093, -1.5430065}},
		{20, [3]float32{-1.7754089, -1.6855743, -1.4558605}},
		{23, [3]float32{-1.7240345, -1.6330533, -1.4035729}},
		{127, [3]float32{0.056939807, 0.18767507, 0.40906316}},
		{128, [3]float32{0.074064694, 0.20518221, 0.42649248}},
		{254, [3]float32{2.2317834, 2.4110646, 2.6225708}},
		{255, [3]float32{2.2489083, 2.4285715, 2.6399999}},
	}
	n := len(want)
	im := NewImage(n, 1)
	for x, w := range want {
		im.Pix[3*x], im.Pix[3*x+1], im.Pix[3*x+2] = w.level, w.level, w.level
	}
	dst := make([]float32, 3*n)
	require.NoError(t, imagenet.CHW(dst, im))
	for x, w := range want {
		for c := range 3 {
			assert.Equal(t, w.rgb[c], dst[c*n+x], "level %d, channel %d", w.level, c)
		}
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
