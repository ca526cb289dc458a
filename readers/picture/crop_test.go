package picture

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestShortSideSize(t *testing.T) {
	cases := []struct{ w, h, short, wantW, wantH int }{
		{500, 375, 256, 341, 256}, // 341.33
		{500, 333, 256, 384, 256}, // 384.38
		{451, 300, 256, 385, 256}, // 384.85
		{375, 500, 256, 256, 341}, // portrait
		{2160, 1920, 256, 288, 256},
		{513, 512, 256, 256, 256}, // 256.5 rounds to even
		{515, 512, 256, 258, 256}, // 257.5 rounds to even
		{224, 224, 256, 256, 256}, // enlarging
		{100, 10, 5, 50, 5},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%dx%d", c.w, c.h), func(t *testing.T) {
			w, h := ShortSideSize(c.w, c.h, c.short)
			assert.Equal(t, [2]int{c.wantW, c.wantH}, [2]int{w, h})
		})
	}
}

func TestCenterBox(t *testing.T) {
	cases := []struct{ w, h, cw, ch, left, top int }{
		{256, 256, 224, 224, 16, 16},
		{385, 256, 224, 224, 80, 16}, // 80.5 rounds to even
		{387, 256, 224, 224, 82, 16}, // 81.5 rounds to even
		{256, 341, 224, 224, 16, 58}, // 58.5
		{224, 224, 224, 224, 0, 0},
		{5, 4, 2, 1, 2, 2}, // 1.5 -> 2, 1.5 -> 2
	}
	for _, c := range cases {
		left, top := CenterBox(c.w, c.h, c.cw, c.ch)
		assert.Equal(t, [2]int{c.left, c.top}, [2]int{left, top}, "%+v", c)
	}
}

func TestCenterCrop(t *testing.T) {
	im := lcgImage(7, 5, 3)
	out, err := CenterCrop(im, 3, 2)
	require.NoError(t, err)
	require.Equal(t, [2]int{3, 2}, [2]int{out.Width, out.Height})
	for y := range 2 {
		for x := range 3 {
			assert.Equal(t, im.at(x+2, y+2), out.at(x, y), "(%d,%d)", x, y) // box starts at (2, 1.5->2)
		}
	}

	for _, size := range [][2]int{{8, 5}, {7, 6}, {0, 1}} {
		_, err := CenterCrop(im, size[0], size[1])
		assert.ErrorContains(t, err, "out of a 7x5 image")
	}
}

func TestResizeShort(t *testing.T) {
	out, err := ResizeShort(lcgImage(500, 375, 1), 256)
	require.NoError(t, err)
	assert.Equal(t, [2]int{341, 256}, [2]int{out.Width, out.Height})
	_, err = ResizeShort(lcgImage(5, 5, 1), 0)
	assert.ErrorContains(t, err, "must be positive")
	_, err = ResizeShort(&Image{}, 256)
	assert.ErrorContains(t, err, "malformed")
}

func TestPreprocessGeometry(t *testing.T) {
	cases := []struct {
		name string
		p    Preprocess
		w, h int
	}{
		{"classifier", Preprocess{ResizeShort: 256, Width: 224, Height: 224}, 224, 224},
		{"direct", Preprocess{Width: 300, Height: 300}, 300, 300},
		{"non-square", Preprocess{ResizeShort: 64, Width: 60, Height: 40}, 60, 40},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := c.p.Geometry(lcgImage(500, 333, 2))
			require.NoError(t, err)
			assert.Equal(t, [2]int{c.w, c.h}, [2]int{out.Width, out.Height})
		})
	}
	_, err := Preprocess{ResizeShort: 100, Width: 224, Height: 224}.Geometry(lcgImage(50, 40, 1))
	assert.ErrorContains(t, err, "centre crop 224x224 out of a 125x100 image")
}
