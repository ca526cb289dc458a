package imgbatch

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/readers/dataset"
	"github.com/gohub/gohub/readers/picture"
)

// pilGolden is testdata/pil_golden.json, written by testdata/pil_golden.py with real PIL.
type pilGolden struct {
	Pillow   string `json:"pillow"`
	Pipeline struct {
		Src, Dst  [2]int
		Seed      uint32
		Mean, Std [3]float64
		Order     string
		F32       string
	}
	Augment []struct {
		Size [2]int
		Seed uint32
		Op   string
		Arg  float64
		Hex  string
	}
	Catdog []struct {
		Name        string
		Size        [2]int
		Stride      int
		Sha256      string
		ChannelMean [3]float64 `json:"channel_mean"`
		SampledF32  string     `json:"sampled_f32"`
	}
}

func loadGolden(t *testing.T) pilGolden {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "pil_golden.json"))
	require.NoError(t, err)
	var g pilGolden
	require.NoError(t, json.Unmarshal(raw, &g))
	return g
}

func f32s(t *testing.T, h string) []float32 {
	t.Helper()
	b, err := hex.DecodeString(h)
	require.NoError(t, err)
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

// The whole reader recipe (LANCZOS to 24x18, /255, ImageNet mean and std, BGR) on a
// lossless picture equals cv_reader.py's tensor bit for bit.
func TestPipelineEqualsPaddleHub(t *testing.T) {
	g := loadGolden(t).Pipeline
	path := filepath.Join(t.TempDir(), "lcg.png")
	writePNG(t, path, lcgImage(g.Src[0], g.Src[1], g.Seed))
	order, err := picture.ParseChannelOrder(g.Order)
	require.NoError(t, err)
	r := newReader(t, Config{Width: g.Dst[0], Height: g.Dst[1], Mean: g.Mean, Std: g.Std, Order: order})
	got := collect(t, r, []dataset.Example{{Path: path}}, EpochOptions{BatchSize: 1})
	require.Len(t, got, 1)
	want := f32s(t, g.F32)
	require.Len(t, got[0].Images, len(want))
	for i := range want {
		if math.Float32bits(want[i]) != math.Float32bits(got[0].Images[i]) {
			t.Fatalf("value %d: PaddleHub %v, here %v", i, want[i], got[0].Images[i])
		}
	}
}

// Every transform's pixels equal Pillow's.
func TestAugmentEqualsPillow(t *testing.T) {
	for _, c := range loadGolden(t).Augment {
		var a Augmentation
		switch c.Op {
		case "rotate":
			a = Augmentation{Op: Rotate, Angle: int(c.Arg)}
		case "brightness":
			a = Augmentation{Op: Brightness, Factor: c.Arg}
		case "contrast":
			a = Augmentation{Op: Contrast, Factor: c.Arg}
		case "saturation":
			a = Augmentation{Op: Saturation, Factor: c.Arg}
		case "flip":
			a = Augmentation{Op: Flip}
		default:
			t.Fatalf("op %q", c.Op)
		}
		t.Run(fmt.Sprintf("%dx%d %v", c.Size[0], c.Size[1], a), func(t *testing.T) {
			src := lcgImage(c.Size[0], c.Size[1], c.Seed)
			out := a.Apply(src)
			want, err := hex.DecodeString(c.Hex)
			require.NoError(t, err)
			require.Equal(t, len(want), len(out.Pix))
			diff := 0
			for i := range want {
				if want[i] != out.Pix[i] {
					diff++
				}
			}
			assert.Zero(t, diff, "%dx%d %v: %d of %d samples differ from Pillow", c.Size[0], c.Size[1], a, diff, len(want))
		})
	}
}

// The catdog photos through the reader and through PaddleHub's (real PIL, libjpeg): Go's
// JPEG decoder is the only difference, so the tensors agree within a tolerance in grey
// levels (a normalised value times std times 255).
func TestCatDogAgainstPIL(t *testing.T) {
	g := loadGolden(t)
	cv := catdog(t)
	mean, std := [3]float64{0.485, 0.456, 0.406}, [3]float64{0.229, 0.224, 0.225}
	r := newReader(t, Config{Mean: mean, Std: std})
	for _, c := range g.Catdog {
		t.Run(c.Name, func(t *testing.T) {
			path := filepath.Join(cv.Base, filepath.FromSlash(c.Name))
			got := collect(t, r, []dataset.Example{{Path: path}}, EpochOptions{BatchSize: 1})
			require.Len(t, got, 1)
			im := got[0].Images
			w, h := c.Size[0], c.Size[1]
			require.Len(t, im, 3*w*h)

			var buf []byte
			for _, v := range im {
				buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			}
			sum := sha256.Sum256(buf)
			exact := hex.EncodeToString(sum[:]) == c.Sha256

			want := f32s(t, c.SampledF32)
			var worst, total float64
			n := 0
			for ch := range 3 {
				for y := 0; y < h; y += c.Stride {
					for x := 0; x < w; x += c.Stride {
						d := math.Abs(float64(im[(ch*h+y)*w+x]-want[n])) * std[ch] * 255
						worst, total = max(worst, d), total+d
						n++
					}
				}
			}
			require.Equal(t, len(want), n)
			meanDiff := total / float64(n)
			var chanDiff float64
			for ch := range 3 {
				s := 0.0
				for _, v := range im[ch*w*h : (ch+1)*w*h] {
					s += float64(v)
				}
				chanDiff = max(chanDiff, math.Abs(s/float64(w*h)-c.ChannelMean[ch])*std[ch]*255)
			}
			t.Logf("vs PIL %s: bit-exact %v, sampled |diff| mean %.3f max %.2f levels, channel means within %.3f levels",
				g.Pillow, exact, meanDiff, worst, chanDiff)
			assert.Less(t, meanDiff, 0.75, "mean difference in grey levels")
			assert.Less(t, worst, 6.0, "largest difference in grey levels")
			assert.Less(t, chanDiff, 0.5, "channel mean difference in grey levels")
		})
	}
}
