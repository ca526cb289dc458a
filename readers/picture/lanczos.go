package picture

import (
	"math"

	"github.com/pkg/errors"
)

// Pillow's 8-bit resampling keeps coefficients in fixed point with 22 fractional bits
// (32 bits less 8 for the sample and 2 for the overshoot of filters with negative lobes).
const pilPrecisionBits = 32 - 8 - 2

// lanczosSupport is the radius of Pillow's LANCZOS filter (a 3-lobed windowed sinc).
const lanczosSupport = 3.0

// ResizeLanczos scales im to width×height with Pillow's LANCZOS filter, reproducing
// PIL.Image.resize(size, Image.LANCZOS) on 8-bit RGB images bit for bit (the filter that
// PaddleHub's SSD and 1.x classifiers resize with, interp=1). Like Pillow it resamples
// rows first, then columns, through an 8-bit intermediate image; when shrinking, the
// filter's support grows with the scale factor, so every source pixel contributes. Each
// output sample is the integer sum of samples times coefficients rounded to 2⁻²², plus
// one half, shifted down and clipped to 0..255. An axis whose size does not change is not
// resampled, as in Pillow. Pillow 13 changed the order of the passes for images whose
// height shrinks much more than their width (vertical first); this is the order of every
// earlier release, the ones PaddleHub ran on.
func ResizeLanczos(im *Image, width, height int) (*Image, error) {
	if width <= 0 || height <= 0 {
		return nil, errors.Errorf("resize to %dx%d: sizes must be positive", width, height)
	}
	if err := im.check(); err != nil {
		return nil, errors.Wrap(err, "resize")
	}
	out := im
	if width != im.Width {
		out = resampleRows(out, width, pilCoeffs(im.Width, width))
	}
	if height != im.Height {
		out = resampleColumns(out, height, pilCoeffs(im.Height, height))
	}
	if out == im {
		out = &Image{Width: im.Width, Height: im.Height, Pix: append([]uint8(nil), im.Pix...)}
	}
	return out, nil
}

// pilTaps are the fixed-point coefficients of one axis: output sample d reads source
// samples first[d] .. first[d]+count[d]-1 with weights k[d*ksize:].
type pilTaps struct {
	ksize        int
	first, count []int
	k            []int32
}

// pilCoeffs is Pillow's precompute_coeffs and normalize_coeffs_8bpc for the LANCZOS filter
// over the whole source (box 0..in): the window around each output centre, its weights
// normalised to sum 1 in float64, then rounded half away from zero to 2⁻²².
func pilCoeffs(in, out int) pilTaps {
	scale := float64(in) / float64(out)
	filterScale := max(scale, 1.0)
	support := lanczosSupport * filterScale
	ksize := int(math.Ceil(support))*2 + 1
	t := pilTaps{ksize: ksize, first: make([]int, out), count: make([]int, out), k: make([]int32, out*ksize)}
	w := make([]float64, ksize)
	for d := range out {
		center := (float64(d) + 0.5) * scale
		ss := 1.0 / filterScale
		// C's (int) conversion truncates toward zero.
		xmin := max(int(math.Trunc(center-support+0.5)), 0)
		xmax := min(int(math.Trunc(center+support+0.5)), in) - xmin
		sum := 0.0
		for x := range xmax {
			w[x] = lanczos((float64(x+xmin) - center + 0.5) * ss)
			sum += w[x]
		}
		for x := range xmax {
			v := w[x]
			if sum != 0 {
				v /= sum
			}
			if v < 0 {
				t.k[d*ksize+x] = int32(math.Trunc(-0.5 + v*(1<<pilPrecisionBits)))
			} else {
				t.k[d*ksize+x] = int32(math.Trunc(0.5 + v*(1<<pilPrecisionBits)))
			}
		}
		t.first[d], t.count[d] = xmin, xmax
	}
	return t
}

// lanczos is Pillow's lanczos_filter: sinc(x)·sinc(x/3) on [-3, 3).
func lanczos(x float64) float64 {
	if -lanczosSupport <= x && x < lanczosSupport {
		return sinc(x) * sinc(x/3)
	}
	return 0
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	x *= math.Pi
	return math.Sin(x) / x
}

// clip8 is Pillow's clip8: the sum shifted down to 8 bits, clamped (an arithmetic shift,
// so negative sums give 0).
func clip8(ss int32) uint8 {
	return uint8(min(max(ss>>pilPrecisionBits, 0), 255))
}

// resampleRows resamples each row of im to width samples.
func resampleRows(im *Image, width int, t pilTaps) *Image {
	out := NewImage(width, im.Height)
	for y := range im.Height {
		src := im.Pix[3*im.Width*y : 3*im.Width*(y+1)]
		dst := out.Pix[3*width*y : 3*width*(y+1)]
		for d := range width {
			k := t.k[d*t.ksize : d*t.ksize+t.count[d]]
			s := src[3*t.first[d]:]
			ss0, ss1, ss2 := int32(1)<<(pilPrecisionBits-1), int32(1)<<(pilPrecisionBits-1), int32(1)<<(pilPrecisionBits-1)
			for x, c := range k {
				ss0 += int32(s[3*x]) * c
				ss1 += int32(s[3*x+1]) * c
				ss2 += int32(s[3*x+2]) * c
			}
			dst[3*d], dst[3*d+1], dst[3*d+2] = clip8(ss0), clip8(ss1), clip8(ss2)
		}
	}
	return out
}

// resampleColumns resamples each column of im to height samples.
func resampleColumns(im *Image, height int, t pilTaps) *Image {
	out := NewImage(im.Width, height)
	row := 3 * im.Width
	acc := make([]int32, row)
	for d := range height {
		for i := range acc {
			acc[i] = 1 << (pilPrecisionBits - 1)
		}
		for y, c := range t.k[d*t.ksize : d*t.ksize+t.count[d]] {
			src := im.Pix[row*(t.first[d]+y) : row*(t.first[d]+y+1)]
			for i, v := range src {
				acc[i] += int32(v) * c
			}
		}
		dst := out.Pix[row*d : row*(d+1)]
		for i, ss := range acc {
			dst[i] = clip8(ss)
		}
	}
	return out
}
