// Package draw renders detection results onto pictures the way PaddleHub's detection
// modules visualise them (ssd_mobilenet_v1_pascal's processor.py, and the face detectors'):
// each box outlined in red, 2 pixels wide, with a white label box above its top-left corner
// holding "<label>: 12.34%" in black. The annotated picture is saved as
// <dir>/<base name of the source><.jpg|.png|.bmp>, the extension following the source's
// format (not its name), as PaddleHub's get_save_image_name does.
//
//	im, err := picture.Load("street.jpg") // the picture the model ran on
//	path, err := draw.Annotate(im, "street.jpg", "detection_result",
//	        []draw.Box{{Left: 12, Top: 34, Right: 120, Bottom: 200, Caption: draw.Caption("car", 0.93)}},
//	        draw.PaddleHub)
//
// Text uses the 7×13 fixed font of golang.org/x/image/font/basicfont (PIL's default bitmap
// font is about 6×11), so the label boxes have PaddleHub's geometry, not its exact pixels.
package draw

import (
	"bytes"
	"fmt"
	stdimage "image"
	"image/color"
	stddraw "image/draw"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/pkg/errors"
	"golang.org/x/image/bmp"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/gohub/gohub/readers/picture"
)

// Box is a rectangle to outline, in pixels of the (upright) picture, and its caption; an
// empty caption draws no label. Line, when set (alpha > 0), overrides the style's outline
// colour for this box (the mask module draws MASK green and NO MASK red).
type Box struct {
	Left, Top, Right, Bottom float64
	Caption                  string
	Line                     color.RGBA
}

// Caption is PaddleHub's label text: "dog: 93.12%".
func Caption(label string, confidence float64) string {
	return fmt.Sprintf("%s: %.2f%%", label, 100*confidence)
}

// Style is how boxes look.
type Style struct {
	Line      color.RGBA // the outline
	Width     int        // of the outline, in pixels
	LabelFill color.RGBA // the box behind the caption
	Text      color.RGBA
	// JPEGQuality is used when the picture is saved as JPEG (PIL's default is 75).
	JPEGQuality int
}

// PaddleHub is the look of PaddleHub's detection modules.
var PaddleHub = Style{
	Line: color.RGBA{255, 0, 0, 255}, Width: 2,
	LabelFill: color.RGBA{255, 255, 255, 255}, Text: color.RGBA{0, 0, 0, 255},
	JPEGQuality: 75,
}

// Boxes draws boxes onto dst in place.
func Boxes(dst *stdimage.RGBA, boxes []Box, s Style) {
	face := basicfont.Face7x13
	for _, b := range boxes {
		l, t, r, bo := round(b.Left), round(b.Top), round(b.Right), round(b.Bottom)
		bs := s
		if b.Line.A > 0 {
			bs.Line = b.Line
		}
		outline(dst, l, t, r, bo, bs)
		if b.Caption == "" {
			continue
		}
		// PaddleHub: rectangle (left, top-(text height+5), left+text width+10, top), text
		// at (left, top-15).
		tw := font.MeasureString(face, b.Caption).Round()
		th := face.Metrics().Height.Round()
		fill(dst, stdimage.Rect(l, t-(th+5), l+tw+10+1, t+1), s.LabelFill)
		d := font.Drawer{Dst: dst, Src: stdimage.NewUniform(s.Text), Face: face,
			Dot: fixed.P(l, t-15+face.Metrics().Ascent.Round())}
		d.DrawString(b.Caption)
	}
}

// outline draws the rectangle's four sides Width pixels wide, centred on its edges as
// PIL's wide lines are.
func outline(dst *stdimage.RGBA, l, t, r, b int, s Style) {
	w := max(s.Width, 1)
	lo, hi := -(w / 2), w-w/2 // pixels lo..hi-1 around each edge
	fill(dst, stdimage.Rect(l+lo, t+lo, r+hi, t+hi), s.Line)
	fill(dst, stdimage.Rect(l+lo, b+lo, r+hi, b+hi), s.Line)
	fill(dst, stdimage.Rect(l+lo, t+lo, l+hi, b+hi), s.Line)
	fill(dst, stdimage.Rect(r+lo, t+lo, r+hi, b+hi), s.Line)
}

func fill(dst *stdimage.RGBA, r stdimage.Rectangle, c color.RGBA) {
	stddraw.Draw(dst, r.Intersect(dst.Bounds()), stdimage.NewUniform(c), stdimage.Point{}, stddraw.Src)
}

func round(v float64) int {
	if v < 0 {
		return -int(-v + 0.5)
	}
	return int(v + 0.5)
}

// RGBA copies a picture of readers/picture into a standard image to draw on.
func RGBA(im *picture.Image) *stdimage.RGBA {
	out := stdimage.NewRGBA(stdimage.Rect(0, 0, im.Width, im.Height))
	for i := range im.Width * im.Height {
		copy(out.Pix[4*i:4*i+3], im.Pix[3*i:3*i+3])
		out.Pix[4*i+3] = 255
	}
	return out
}

// SavePath is where Annotate saves the picture src of the given format ("jpeg", "png",
// "bmp"): <dir>/<base name of src without its extension><.jpg|.png|.bmp>.
func SavePath(dir, src, format string) string {
	base := filepath.Base(src)
	base = strings.TrimSuffix(base, filepath.Ext(base))
	ext := map[string]string{"png": ".png", "bmp": ".bmp"}[format]
	if ext == "" {
		ext = ".jpg"
	}
	return filepath.Join(dir, base+ext)
}

// Annotate draws boxes on im, the picture decoded from the file src (upright, as
// readers/picture decodes it), and saves it in src's format under dir (created if
// missing), replacing a file of that name; it returns the path written. It takes the
// picture its caller decoded for inference, rather than decoding src again: the pixels are
// the same, and a decoding is the most a picture allocates on its way through a module.
func Annotate(im *picture.Image, src, dir string, boxes []Box, s Style) (string, error) {
	format, err := fileFormat(src)
	if err != nil {
		return "", err
	}
	canvas := RGBA(im)
	Boxes(canvas, boxes, s)
	data, err := encode(canvas, format, s)
	if err != nil {
		return "", errors.Wrapf(err, "draw: encode %s", src)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", errors.Wrap(err, "draw: output directory")
	}
	out := SavePath(dir, src, format)
	if err := os.WriteFile(out, data, 0o644); err != nil {
		return "", errors.Wrap(err, "draw: save")
	}
	return out, nil
}

// headLen is how much of a file fileFormat reads: picture.FormatOf looks at the first
// bytes only (a BMP's 26-byte header is the most it needs).
const headLen = 64

// fileFormat is picture.FormatOf of the file at path, read from its first bytes only.
func fileFormat(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", errors.Wrap(err, "draw: read image")
	}
	defer f.Close()
	head := make([]byte, headLen)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", errors.Wrapf(err, "draw: read image %s", path)
	}
	return picture.FormatOf(head[:n]), nil
}

// encode writes canvas in the format ("png", "bmp", else JPEG at the style's quality).
func encode(canvas *stdimage.RGBA, format string, s Style) ([]byte, error) {
	var buf bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&buf, canvas)
	case "bmp":
		err = bmp.Encode(&buf, canvas)
	default:
		q := s.JPEGQuality
		if q <= 0 {
			q = 75
		}
		err = jpeg.Encode(&buf, canvas, &jpeg.Options{Quality: q})
	}
	return buf.Bytes(), err
}
