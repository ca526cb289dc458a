package facedet

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/paddle"
	"github.com/gohub/gohub/readers/picture"
)

// The oracle is testdata/faces/faces.json: PaddleHub's pipelines (re-implemented from its
// module code in scripts/oracle/face_golden.py) on real Paddle-Lite 2.12.

const (
	boxTol  = 1    // pixels
	confTol = 1e-4 // absolute, on probabilities
)

// caseImage decodes a golden case's picture and paints its rectangle, if any.
func caseImage(t *testing.T, c caseT) *picture.Image {
	im, err := picture.Load(filepath.Join(sharedPath(t, "data"), strings.TrimPrefix(c.Image, "data/")))
	require.NoError(t, err)
	require.Equal(t, [2]int{c.Width, c.Height}, [2]int{im.Width, im.Height}, c.Image)
	if p := c.Paint; p != nil {
		for y := p.Rect[1]; y < p.Rect[3]; y++ {
			for x := p.Rect[0]; x < p.Rect[2]; x++ {
				px := im.Pix[3*(y*im.Width+x):]
				px[0], px[1], px[2] = uint8(p.BGR[2]), uint8(p.BGR[1]), uint8(p.BGR[0])
			}
		}
	}
	return im
}

func assertBox(t *testing.T, want goldenFace, got Face, msg string) {
	t.Helper()
	for _, p := range [][2]int{{want.Left, got.Left}, {want.Top, got.Top}, {want.Right, got.Right}, {want.Bottom, got.Bottom}} {
		assert.LessOrEqual(t, abs(p[0]-p[1]), boxTol, "%s: box %+v, want %+v", msg, got, want)
	}
}

// TestGoldenLossless runs both modules on the PNG cases, whose pixels Go decodes exactly as
// OpenCV does: the whole pipeline must agree (the crops byte for byte).
func TestGoldenLossless(t *testing.T) {
	g := loadGolden(t)
	require.Equal(t, DefaultShrink, g.Shrink)
	require.Equal(t, DefaultConfThreshold, g.ConfsThreshold)
	masks, err := Open(modelFiles(t, true), Options{})
	require.NoError(t, err)
	defer masks.Close()
	faces, err := Open(modelFiles(t, false), Options{})
	require.NoError(t, err)
	defer faces.Close()
	n, labels := 0, map[string]int{}
	for _, c := range g.Cases {
		if !strings.HasSuffix(c.Image, ".png") {
			continue
		}
		im := caseImage(t, c)
		got, err := faces.DetectImage(im, c.Image)
		require.NoError(t, err)
		require.Len(t, got.Data, len(c.Faces), c.Image)
		for i, w := range c.Faces {
			assertBox(t, w, got.Data[i], c.Image)
			assert.Empty(t, got.Data[i].Label)
			assert.InDelta(t, w.Confidence, got.Data[i].Confidence, confTol, c.Image)
		}
		got, err = masks.DetectImage(im, c.Image)
		require.NoError(t, err)
		require.Len(t, got.Data, len(c.Mask), c.Image)
		for i, w := range c.Mask {
			f := got.Data[i]
			assertBox(t, w, f, c.Image)
			assert.Equal(t, w.Label, f.Label, c.Image)
			assert.InDelta(t, w.Confidence, f.Confidence, confTol, c.Image)
			assert.InDelta(t, c.Faces[i].Confidence, f.Score, confTol, c.Image)
			crop := cropFace(im, Box{w.Left, w.Top, w.Right, w.Bottom}, 1.5, 128)
			assert.Equal(t, w.CropSHA256, bgrSHA256(crop), "%s: crop of face %d differs from cv2.warpAffine's", c.Image, i)
			n++
			labels[f.Label]++
		}
	}
	// The painted astronaut is the MASK case; the plain one NO MASK.
	assert.Equal(t, map[string]int{"MASK": 1, "NO MASK": 1}, labels)
	assert.Equal(t, 2, n)
}

// TestGoldenJPEGThroughOpenCVPixels feeds the detector the pixels OpenCV decodes and
// resizes pld_face.jpg to (testdata/lite/pyramidbox_input.u8) and the classifier cv2's
// crop of its first face (testdata/lite/mask_input.u8): the faces and the label must be
// the oracle's. What remains between these and TestGoldenJPEG is only the JPEG decoder.
func TestGoldenJPEGThroughOpenCVPixels(t *testing.T) {
	g := loadGolden(t)
	c := g.Cases[0]
	require.Equal(t, "data/images/pld_face.jpg", c.Image)
	lite := filepath.Join(repoRoot(t), "testdata", "lite")
	var meta struct {
		HWC [3]int `json:"input_hwc"`
	}
	data, err := os.ReadFile(filepath.Join(lite, "pyramidbox.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &meta))
	resized := bgrImage(t, filepath.Join(lite, "pyramidbox_input.u8"), meta.HWC[1], meta.HWC[0])

	d, err := Open(modelFiles(t, true), Options{})
	require.NoError(t, err)
	defer d.Close()
	one := d.cfg
	one.Shrink = 1
	x, w, h, err := faceInput(resized, one)
	require.NoError(t, err)
	var rows [][6]float32
	var probs []float32
	require.NoError(t, d.pool.RunSet(1, 1, func(set []*paddle.Predictor, _, _ int) (err error) {
		if rows, err = runDetections(set[faceModel], x, w, h); err != nil {
			return err
		}
		probs, err = classify(set[maskModel], bgrImage(t, filepath.Join(lite, "mask_input.u8"), 128, 128))
		return err
	}))
	boxes, scores, err := selectFaces(rows, w, h, c.Width, c.Height, d.cfg)
	require.NoError(t, err)
	require.Len(t, boxes, len(c.Faces))
	for i, want := range c.Faces {
		assertBox(t, want, Face{Left: boxes[i].Left, Top: boxes[i].Top, Right: boxes[i].Right, Bottom: boxes[i].Bottom}, "face")
		assert.InDelta(t, want.Confidence, scores[i], confTol)
	}
	require.Len(t, probs, 2)
	for k, p := range c.Mask[0].Probs {
		assert.InDelta(t, p, probs[k], confTol)
	}
}

// TestGoldenJPEG runs the mask module end to end on the JPEG cases. Go's JPEG decoder is not
// libjpeg-turbo's (readers/picture: about half a grey level apart on average), so the faces
// are matched by their boxes rather than their order (close scores may swap), the boxes may
// differ by a pixel, and the confidences by what that decoding difference moves them: up to
// 2.3e-3 (detector) and 1.1e-2 (classifier, on a face cut by the picture's edge) measured.
func TestGoldenJPEG(t *testing.T) {
	g := loadGolden(t)
	d, err := Open(modelFiles(t, true), Options{})
	require.NoError(t, err)
	defer d.Close()
	for _, c := range g.Cases {
		if !strings.HasSuffix(c.Image, ".jpg") {
			continue
		}
		res, err := d.DetectFaces([]string{filepath.Join(sharedPath(t, "data"), strings.TrimPrefix(c.Image, "data/"))})
		require.NoError(t, err)
		got := res[0].Data
		require.Len(t, got, len(c.Mask), c.Image)
		used := make([]bool, len(got))
		for i, w := range c.Mask {
			j := nearest(got, used, w)
			require.GreaterOrEqual(t, j, 0, "%s: no face near %+v", c.Image, w)
			used[j] = true
			assertBox(t, w, got[j], c.Image)
			assert.Equal(t, w.Label, got[j].Label, c.Image)
			assert.InDelta(t, c.Faces[i].Confidence, got[j].Score, 5e-3, c.Image)
			assert.InDelta(t, w.Confidence, got[j].Confidence, 2e-2, c.Image)
		}
	}
}

// nearest is the unused face whose corners are closest to w's (within boxTol each).
func nearest(got []Face, used []bool, w goldenFace) int {
	best, bestD := -1, math.MaxInt
	for j, f := range got {
		d := max(abs(f.Left-w.Left), abs(f.Top-w.Top), abs(f.Right-w.Right), abs(f.Bottom-w.Bottom))
		if !used[j] && d <= boxTol && d < bestD {
			best, bestD = j, d
		}
	}
	return best
}

// bgrImage reads a raw uint8 HWC BGR file as an RGB picture.
func bgrImage(t *testing.T, path string, w, h int) *picture.Image {
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Len(t, data, 3*w*h, path)
	im := picture.NewImage(w, h)
	for i := 0; i < len(data); i += 3 {
		im.Pix[i], im.Pix[i+1], im.Pix[i+2] = data[i+2], data[i+1], data[i]
	}
	return im
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
