package draw

import (
	"bytes"
	stdimage "image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/readers/picture"
)

func grey(w, h int) *stdimage.RGBA {
	im := stdimage.NewRGBA(stdimage.Rect(0, 0, w, h))
	for i := range im.Pix {
		im.Pix[i] = 128
	}
	return im
}

func TestBoxesOutlineAndCaption(t *testing.T) {
	im := grey(120, 100)
	Boxes(im, []Box{{Left: 20.4, Top: 40, Right: 80, Bottom: 90.6, Caption: Caption("dog", 0.93125)}}, PaddleHub)
	red, white := color.RGBA{255, 0, 0, 255}, color.RGBA{255, 255, 255, 255}
	// 2 pixels wide, centred on each edge: x 19..20 on the left, 79..80 on the right.
	for _, p := range [][2]int{{19, 60}, {20, 60}, {79, 60}, {80, 60}, {50, 90}, {50, 91}} {
		assert.Equal(t, red, im.RGBAAt(p[0], p[1]), "%v", p)
	}
	for _, p := range [][2]int{{18, 60}, {21, 60}, {50, 60}, {81, 60}, {50, 92}} {
		assert.Equal(t, color.RGBA{128, 128, 128, 128}, im.RGBAAt(p[0], p[1]), "%v", p)
	}
	// The label box sits on the top edge: 13+5 pixels high, text width + 10 wide, with
	// black text in it.
	assert.Equal(t, white, im.RGBAAt(21, 24))
	assert.Equal(t, "dog: 93.12%", Caption("dog", 0.93125))
	dark := 0
	for y := 22; y < 38; y++ {
		for x := 20; x < 20+7*11+10; x++ {
			if im.RGBAAt(x, y).R < 64 {
				dark++
			}
		}
	}
	assert.Greater(t, dark, 40, "the caption's text")
	// A box without a caption, and one outside the picture, draw without a panic.
	Boxes(im, []Box{{Left: -50, Top: -50, Right: 500, Bottom: 500}, {Left: 1, Top: 1, Right: 2, Bottom: 2}}, PaddleHub)
}

func TestSavePath(t *testing.T) {
	assert.Equal(t, filepath.Join("out", "street.jpg"), SavePath("out", "/a/street.JPEG", "jpeg"))
	assert.Equal(t, filepath.Join("out", "girl.png"), SavePath("out", "girl.jpg", "png"))
	assert.Equal(t, filepath.Join("out", "x.bmp"), SavePath("out", "x", "bmp"))
}

// Annotate keeps the picture's format and size, whatever its name says.
func TestAnnotate(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, grey(64, 48)))
	src := filepath.Join(t.TempDir(), "shot.jpg")
	require.NoError(t, os.WriteFile(src, buf.Bytes(), 0o644))
	dir := filepath.Join(t.TempDir(), "detection_result")
	out, err := Annotate(src, dir, []Box{{Left: 10, Top: 30, Right: 40, Bottom: 45, Caption: "cat: 50.00%"}}, PaddleHub)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "shot.png"), out)
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, "png", picture.FormatOf(data))
	im, err := picture.Decode(out, data)
	require.NoError(t, err)
	assert.Equal(t, [2]int{64, 48}, [2]int{im.Width, im.Height})
	i := 3 * (40*64 + 10)
	assert.Equal(t, []uint8{255, 0, 0}, im.Pix[i:i+3])

	_, err = Annotate(filepath.Join(t.TempDir(), "none.jpg"), dir, nil, PaddleHub)
	assert.ErrorContains(t, err, "none.jpg")
	bad := filepath.Join(t.TempDir(), "bad.jpg")
	require.NoError(t, os.WriteFile(bad, []byte("text"), 0o644))
	_, err = Annotate(bad, dir, nil, PaddleHub)
	assert.ErrorContains(t, err, "bad.jpg")
}
