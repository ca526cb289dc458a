package draw

import (
	"bytes"
	stdimage "image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/image/bmp"

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

// load decodes the picture file at path, as a module does before inference.
func load(t *testing.T, path string) *picture.Image {
	im, err := picture.Load(path)
	require.NoError(t, err)
	return im
}

// Annotate keeps the picture's format and size, whatever its name says.
func TestAnnotate(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, grey(64, 48)))
	src := filepath.Join(t.TempDir(), "shot.jpg")
	require.NoError(t, os.WriteFile(src, buf.Bytes(), 0o644))
	dir := filepath.Join(t.TempDir(), "detection_result")
	out, err := Annotate(load(t, src), src, dir, []Box{{Left: 10, Top: 30, Right: 40, Bottom: 45, Caption: "cat: 50.00%"}}, PaddleHub)
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

	_, err = Annotate(picture.NewImage(4, 4), filepath.Join(t.TempDir(), "none.jpg"), dir, nil, PaddleHub)
	assert.ErrorContains(t, err, "none.jpg")
}

// TestAnnotateDrawsOnTheGivenPicture: Annotate draws on the picture it is handed, not on a
// new decoding of the file, which gives only the format.
func TestAnnotateDrawsOnTheGivenPicture(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, grey(8, 6)))
	src := filepath.Join(t.TempDir(), "grey.png")
	require.NoError(t, os.WriteFile(src, buf.Bytes(), 0o644))
	given := picture.NewImage(8, 6)
	for i := range given.Pix {
		given.Pix[i] = 7
	}
	out, err := Annotate(given, src, t.TempDir(), nil, PaddleHub)
	require.NoError(t, err)
	assert.Equal(t, given.Pix, load(t, out).Pix)
}

// TestAnnotateAsDecodingTheFile: drawing on the picture decoded for inference writes the
// very bytes that decoding the file again to draw on it wrote (annotateFile), in each
// format, a name that belies it included.
func TestAnnotateAsDecodingTheFile(t *testing.T) {
	boxes := []Box{
		{Left: 5.4, Top: 20, Right: 60, Bottom: 44.6, Caption: Caption("dog", 0.93125)},
		{Left: 30, Top: 2, Right: 70, Bottom: 40, Line: color.RGBA{0, 128, 0, 255}},
	}
	for _, c := range []struct {
		name   string
		encode func(io.Writer, stdimage.Image) error
	}{
		{"photo.jpg", func(w io.Writer, im stdimage.Image) error { return jpeg.Encode(w, im, &jpeg.Options{Quality: 90}) }},
		{"shot.png", png.Encode},
		{"scan.bmp", bmp.Encode},
		{"named.jpg", png.Encode},
	} {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, c.encode(&buf, gradient(80, 50)))
			src := filepath.Join(t.TempDir(), c.name)
			require.NoError(t, os.WriteFile(src, buf.Bytes(), 0o644))
			want, err := annotateFile(src, t.TempDir(), boxes, PaddleHub)
			require.NoError(t, err)
			got, err := Annotate(load(t, src), src, t.TempDir(), boxes, PaddleHub)
			require.NoError(t, err)
			assert.Equal(t, filepath.Base(want), filepath.Base(got))
			wantData, err := os.ReadFile(want)
			require.NoError(t, err)
			gotData, err := os.ReadFile(got)
			require.NoError(t, err)
			assert.True(t, bytes.Equal(wantData, gotData), "the drawn file differs")
		})
	}
}

// gradient is a picture whose every pixel differs from its neighbours, so that encoders
// have detail to keep.
func gradient(w, h int) *stdimage.RGBA {
	im := stdimage.NewRGBA(stdimage.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			im.SetRGBA(x, y, color.RGBA{uint8(3 * x), uint8(5 * y), uint8(x * y), 255})
		}
	}
	return im
}

// annotateFile is how Annotate drew before it took the decoded picture: it read and
// decoded the file at src again, and wrote the drawing in the format its bytes say.
func annotateFile(src, dir string, boxes []Box, s Style) (string, error) {
	data, err := os.ReadFile(src)
	if err != nil {
		return "", err
	}
	im, err := picture.Decode(src, data)
	if err != nil {
		return "", err
	}
	format := picture.FormatOf(data)
	canvas := RGBA(im)
	Boxes(canvas, boxes, s)
	var buf bytes.Buffer
	switch format {
	case "png":
		err = png.Encode(&buf, canvas)
	case "bmp":
		err = bmp.Encode(&buf, canvas)
	default:
		err = jpeg.Encode(&buf, canvas, &jpeg.Options{Quality: s.JPEGQuality})
	}
	if err != nil {
		return "", err
	}
	out := SavePath(dir, src, format)
	return out, os.WriteFile(out, buf.Bytes(), 0o644)
}
