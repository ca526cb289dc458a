package picture

import (
	"bytes"
	stdimage "image"
	"image/color"
	"image/jpeg"
	"testing"

	"github.com/gohub/gohub/internal/shared"
	"github.com/stretchr/testify/require"
)

// sharedImage returns the path of a picture in the shared data folder, skipping the test
// where the folder is absent (the pictures are never copied into the repository).
func sharedImage(t *testing.T, name string) string {
	t.Helper()
	p, err := shared.Path("data", "images", name)
	if err != nil {
		t.Skipf("shared images absent: %v", err)
	}
	return p
}

// lcgImage fills a width×height image with the generator of scripts/oracle/image_golden.py.
func lcgImage(width, height int, seed uint32) *Image {
	im := NewImage(width, height)
	state := seed
	for i := range im.Pix {
		state = (state*1103515245 + 12345) & (1<<31 - 1)
		im.Pix[i] = uint8(state >> 16)
	}
	return im
}

// encodeJPEG encodes im at the best quality, so that flat colours survive.
func encodeJPEG(t *testing.T, im stdimage.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, im, &jpeg.Options{Quality: 100}))
	return buf.Bytes()
}

// quadrants is a w×h picture with a red top-left, green top-right, blue bottom-left and
// white bottom-right quarter: every rotation and flip moves them somewhere else.
func quadrants(w, h int) *stdimage.RGBA {
	im := stdimage.NewRGBA(stdimage.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{255, 255, 255, 255}
			switch {
			case x < w/2 && y < h/2:
				c = color.RGBA{255, 0, 0, 255}
			case y < h/2:
				c = color.RGBA{0, 255, 0, 255}
			case x < w/2:
				c = color.RGBA{0, 0, 255, 255}
			}
			im.SetRGBA(x, y, c)
		}
	}
	return im
}

// at returns the pixel of im at (x, y).
func (im *Image) at(x, y int) [3]uint8 {
	i := 3 * (y*im.Width + x)
	return [3]uint8{im.Pix[i], im.Pix[i+1], im.Pix[i+2]}
}
