package picture

import (
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lanczosGolden is readers/picture/testdata/lanczos_golden.json, written by
// scripts/oracle/image_golden_pil.py from Pillow's Image.resize(size, Image.LANCZOS).
type lanczosGolden struct {
	Pillow string `json:"pillow"`
	Cases  []struct {
		Seed   uint32 `json:"seed"`
		Src    [2]int `json:"src"`
		Dst    [2]int `json:"dst"`
		SHA256 string `json:"sha256"`
		Hex    string `json:"hex"`
	} `json:"cases"`
	Images []struct {
		Name   string `json:"name"`
		Size   [2]int `json:"size"`
		SHA256 string `json:"sha256"`
	} `json:"images"`
}

func loadLanczosGolden(t *testing.T) lanczosGolden {
	t.Helper()
	data, err := os.ReadFile("testdata/lanczos_golden.json")
	require.NoError(t, err)
	var g lanczosGolden
	require.NoError(t, json.Unmarshal(data, &g))
	require.NotEmpty(t, g.Cases)
	require.NotEmpty(t, g.Images)
	return g
}

// Byte for byte what Pillow gives, on synthetic images of many shapes.
func TestResizeLanczosMatchesPillow(t *testing.T) {
	g := loadLanczosGolden(t)
	for _, c := range g.Cases {
		out, err := ResizeLanczos(lcgImage(c.Src[0], c.Src[1], c.Seed), c.Dst[0], c.Dst[1])
		require.NoError(t, err)
		require.Equal(t, [2]int{c.Dst[0], c.Dst[1]}, [2]int{out.Width, out.Height})
		if c.Hex != "" {
			assert.Equal(t, c.Hex, hex.EncodeToString(out.Pix), "%v -> %v (Pillow %s)", c.Src, c.Dst, g.Pillow)
		}
		assert.Equal(t, c.SHA256, sha(out.Pix), "%v -> %v (Pillow %s)", c.Src, c.Dst, g.Pillow)
	}
}

// PaddleHub's SSD geometry on the real PNG photos (lossless, so decoding agrees with
// cv2.imread): 300×300 with LANCZOS, ignoring the aspect, equal to Pillow's bytes.
func TestSSDGeometryMatchesPillow(t *testing.T) {
	g := loadLanczosGolden(t)
	for _, c := range g.Images {
		t.Run(c.Name, func(t *testing.T) {
			im, err := Load(sharedImage(t, c.Name))
			require.NoError(t, err)
			p := Preprocess{Width: c.Size[0], Height: c.Size[1], Filter: Lanczos}
			out, err := p.Geometry(im)
			require.NoError(t, err)
			assert.Equal(t, c.SHA256, sha(out.Pix))
		})
	}
}

// The filter by hand: a flat image stays flat (the weights sum to one), enlarging
// reproduces the source at the original sample positions' neighbourhood, and the
// windowed sinc is 1 at 0, 0 at the other integers and at the edge of its support.
func TestLanczosByHand(t *testing.T) {
	assert.Equal(t, 1.0, lanczos(0))
	for _, x := range []float64{-2, -1, 1, 2} {
		assert.InDelta(t, 0, lanczos(x), 1e-15, "%v", x)
	}
	assert.Equal(t, 0.0, lanczos(3))
	assert.NotEqual(t, 0.0, lanczos(-3+1e-9))

	flat := grey(90, 90, 90, 90, 90, 90, 90)
	for _, w := range []int{1, 3, 7, 20} {
		out, err := ResizeLanczos(flat, w, 1)
		require.NoError(t, err)
		for _, v := range out.Pix {
			assert.Equal(t, uint8(90), v, "width %d", w)
		}
	}
	// Overshoot at a sharp edge is clipped to 0..255, as Pillow's clip8 does.
	out, err := ResizeLanczos(grey(0, 0, 0, 255, 255, 255), 17, 1)
	require.NoError(t, err)
	assert.Equal(t, uint8(0), out.Pix[0])
	assert.Equal(t, uint8(255), out.Pix[len(out.Pix)-1])

	// Same size: a copy, not the same pixels.
	src := lcgImage(5, 4, 3)
	same, err := ResizeLanczos(src, 5, 4)
	require.NoError(t, err)
	assert.Equal(t, src.Pix, same.Pix)
	same.Pix[0]++
	assert.NotEqual(t, src.Pix[0], same.Pix[0])
}

// Within a level or so of the exact separable filter in float64 (no fixed point, no 8-bit
// intermediate) on a smooth picture, where nothing overshoots 0..255: the fixed-point
// details only round.
func TestLanczosNearExactFilter(t *testing.T) {
	im := NewImage(61, 47)
	for y := range 47 {
		for x := range 61 {
			for c := range 3 {
				im.Pix[3*(y*61+x)+c] = uint8(128 + 80*math.Sin(float64(x+c)/7)*math.Cos(float64(y)/5))
			}
		}
	}
	out, err := ResizeLanczos(im, 300, 300)
	require.NoError(t, err)
	exact := func(in, out int) [][]float64 {
		scale := float64(in) / float64(out)
		fs := math.Max(scale, 1)
		rows := make([][]float64, out)
		for d := range out {
			c := (float64(d) + 0.5) * scale
			w := make([]float64, in)
			sum := 0.0
			for x := range in {
				w[x] = lanczos((float64(x) + 0.5 - c) / fs)
				sum += w[x]
			}
			for x := range w {
				w[x] /= sum
			}
			rows[d] = w
		}
		return rows
	}
	wx, wy := exact(61, 300), exact(47, 300)
	worst := 0.0
	for dy := 0; dy < 300; dy += 7 { // a sample of the outputs keeps the float64 sums quick
		for dx := 0; dx < 300; dx += 5 {
			for c := range 3 {
				v := 0.0
				for y, a := range wy[dy] {
					for x, b := range wx[dx] {
						if a != 0 && b != 0 {
							v += a * b * float64(im.Pix[3*(y*61+x)+c])
						}
					}
				}
				v = math.Min(math.Max(v, 0), 255)
				worst = math.Max(worst, math.Abs(v-float64(out.Pix[3*(dy*300+dx)+c])))
			}
		}
	}
	assert.Less(t, worst, 1.5)
}

func TestResizeLanczosErrors(t *testing.T) {
	_, err := ResizeLanczos(lcgImage(4, 4, 1), 0, 4)
	assert.ErrorContains(t, err, "must be positive")
	_, err = ResizeLanczos(nil, 4, 4)
	assert.ErrorContains(t, err, "nil image")
}
