package picture

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// grey makes a one-row image from grey levels.
func grey(levels ...uint8) *Image {
	im := NewImage(len(levels), 1)
	for i, v := range levels {
		im.Pix[3*i], im.Pix[3*i+1], im.Pix[3*i+2] = v, v, v
	}
	return im
}

func TestResizeByHand(t *testing.T) {
	cases := []struct {
		name  string
		src   []uint8
		width int
		want  []uint8
	}{
		// Doubling: centres at d/2-0.25, so weights 3/4 and 1/4; the ends clamp to the edge.
		{"double", []uint8{0, 64, 128, 192}, 8, []uint8{0, 16, 48, 80, 112, 144, 176, 192}},
		// Halving: centres at 2d+0.5, the mean of each pair.
		{"halve", []uint8{0, 10, 20, 30, 40, 50, 60, 70}, 4, []uint8{5, 25, 45, 65}},
		{"same size", []uint8{3, 1, 4, 1, 5}, 5, []uint8{3, 1, 4, 1, 5}},
		// 3→2: centres at 0.25 and 1.75.
		{"three to two", []uint8{0, 100, 200}, 2, []uint8{25, 175}},
		{"one pixel", []uint8{77}, 3, []uint8{77, 77, 77}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := Resize(grey(c.src...), c.width, 1)
			require.NoError(t, err)
			assert.Equal(t, grey(c.want...).Pix, out.Pix)
		})
	}
}

func TestResizeVertical(t *testing.T) {
	// A column is resized like a row (the transpose of a gradient).
	src := grey(0, 64, 128, 192)
	col := &Image{Width: 1, Height: 4, Pix: src.Pix}
	out, err := Resize(col, 1, 8)
	require.NoError(t, err)
	assert.Equal(t, grey(0, 16, 48, 80, 112, 144, 176, 192).Pix, out.Pix)
}

// exactBilinear is OpenCV's bilinear formula in float64: no weight rounding, no fixed point.
func exactBilinear(im *Image, width, height int) []float64 {
	coord := func(d, src, dst int) (int, int, float64) {
		f := (float64(d)+0.5)*float64(src)/float64(dst) - 0.5
		f = math.Min(math.Max(f, 0), float64(src-1))
		s := int(math.Floor(f))
		return s, min(s+1, src-1), f - float64(s)
	}
	out := make([]float64, 3*width*height)
	for dy := range height {
		y0, y1, fy := coord(dy, im.Height, height)
		for dx := range width {
			x0, x1, fx := coord(dx, im.Width, width)
			for c := range 3 {
				p := func(x, y int) float64 { return float64(im.Pix[3*(y*im.Width+x)+c]) }
				top := p(x0, y0)*(1-fx) + p(x1, y0)*fx
				bot := p(x0, y1)*(1-fx) + p(x1, y1)*fx
				out[3*(dy*width+dx)+c] = top*(1-fy) + bot*fy
			}
		}
	}
	return out
}

func TestResizeFollowsBilinearFormula(t *testing.T) {
	// Fixed-point weights and OpenCV's truncating vertical blend stay within one level.
	for _, size := range [][4]int{{53, 37, 29, 20}, {10, 10, 17, 23}, {640, 480, 341, 256}, {7, 5, 224, 224}} {
		im := lcgImage(size[0], size[1], 7)
		out, err := Resize(im, size[2], size[3])
		require.NoError(t, err)
		want := exactBilinear(im, size[2], size[3])
		worst := 0.0
		for i, v := range out.Pix {
			worst = math.Max(worst, math.Abs(float64(v)-want[i]))
		}
		assert.Less(t, worst, 1.5, "size %v", size)
	}
}

// golden is readers/picture/testdata/resize_golden.json, written by
// scripts/oracle/image_golden.py from cv2.resize.
type golden struct {
	OpenCV string `json:"opencv"`
	Cases  []struct {
		Seed   uint32 `json:"seed"`
		Src    [2]int `json:"src"`
		Dst    [2]int `json:"dst"`
		SHA256 string `json:"sha256"`
		Hex    string `json:"hex"`
	} `json:"cases"`
	Images []struct {
		Name   string `json:"name"`
		SHA256 string `json:"sha256"`
	} `json:"images"`
}

func loadGolden(t *testing.T) golden {
	t.Helper()
	data, err := os.ReadFile("testdata/resize_golden.json")
	require.NoError(t, err)
	var g golden
	require.NoError(t, json.Unmarshal(data, &g))
	require.NotEmpty(t, g.Cases)
	return g
}

func sha(pix []uint8) string {
	s := sha256.Sum256(pix)
	return hex.EncodeToString(s[:])
}

func TestResizeMatchesOpenCV(t *testing.T) {
	g := loadGolden(t)
	for _, c := range g.Cases {
		out, err := Resize(lcgImage(c.Src[0], c.Src[1], c.Seed), c.Dst[0], c.Dst[1])
		require.NoError(t, err)
		if c.Hex != "" {
			assert.Equal(t, c.Hex, hex.EncodeToString(out.Pix), "%v -> %v (OpenCV %s)", c.Src, c.Dst, g.OpenCV)
		}
		assert.Equal(t, c.SHA256, sha(out.Pix), "%v -> %v (OpenCV %s)", c.Src, c.Dst, g.OpenCV)
	}
}

func TestClassifierGeometryMatchesOpenCV(t *testing.T) {
	// PNGs decode losslessly, so decode + short-side resize + centre crop must equal what
	// cv2.imread, cv2.resize and PaddleHub's rounding give, byte for byte.
	g := loadGolden(t)
	require.NotEmpty(t, g.Images)
	for _, c := range g.Images {
		t.Run(c.Name, func(t *testing.T) {
			im, err := Load(sharedImage(t, c.Name))
			require.NoError(t, err)
			out, err := Preprocess{ResizeShort: 256, Width: 224, Height: 224}.Geometry(im)
			require.NoError(t, err)
			assert.Equal(t, c.SHA256, sha(out.Pix))
		})
	}
}

func TestResizeErrors(t *testing.T) {
	im := lcgImage(4, 4, 1)
	for _, size := range [][2]int{{0, 4}, {4, 0}, {-1, 3}} {
		_, err := Resize(im, size[0], size[1])
		assert.ErrorContains(t, err, "must be positive")
	}
	_, err := Resize(&Image{Width: 2, Height: 2, Pix: make([]uint8, 5)}, 4, 4)
	assert.ErrorContains(t, err, "malformed 2x2 image")
	_, err = Resize(nil, 4, 4)
	assert.ErrorContains(t, err, "nil image")
}

func BenchmarkResize(b *testing.B) {
	im := lcgImage(1440, 1080, 1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Resize(im, 341, 256); err != nil {
			b.Fatal(err)
		}
	}
}
