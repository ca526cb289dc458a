package picture

import (
	"math"

	"github.com/pkg/errors"
)

// OpenCV's fixed-point bilinear resize of 8-bit images weighs samples in units of 1/2048.
const (
	coefBits  = 11
	coefScale = 1 << coefBits
)

// Resize scales im to width×height by bilinear interpolation, reproducing
// cv2.resize(INTER_LINEAR) on 8-bit images bit for bit: source coordinate
// (d+0.5)*src/dst-0.5, weights rounded to 1/2048, horizontal sums kept exact, and the
// vertical blend done in the 16-bit steps of OpenCV's SIMD kernel. Columns outside the
// source clamp to the edge pixel; rows outside it keep their weights and read the edge row
// twice, which is where OpenCV's result can be one level below the exact value.
func Resize(im *Image, width, height int) (*Image, error) {
	if width <= 0 || height <= 0 {
		return nil, errors.Errorf("resize to %dx%d: sizes must be positive", width, height)
	}
	if err := im.check(); err != nil {
		return nil, errors.Wrap(err, "resize")
	}
	xofs, xw := axisWeights(im.Width, width, true)
	yofs, yw := axisWeights(im.Height, height, false)

	// Output rows move down the source monotonically, so two horizontally resized rows
	// (a above b) are all that is kept; each source row is resized horizontally once.
	rowA, rowB := -1, -1
	bufA, bufB := make([]int32, 3*width), make([]int32, 3*width)
	out := NewImage(width, height)
	for dy := range height {
		sy0 := clamp(yofs[dy], 0, im.Height-1)
		sy1 := clamp(yofs[dy]+1, 0, im.Height-1)
		if rowA != sy0 {
			if rowB == sy0 {
				rowA, rowB, bufA, bufB = rowB, rowA, bufB, bufA
			} else {
				resizeRow(bufA, im, sy0, xofs, xw)
				rowA = sy0
			}
		}
		r1 := bufA
		if sy1 != sy0 {
			if rowB != sy1 {
				resizeRow(bufB, im, sy1, xofs, xw)
				rowB = sy1
			}
			r1 = bufB
		}
		blendRows(out.Pix[3*width*dy:3*width*(dy+1)], bufA, r1, yw[2*dy], yw[2*dy+1])
	}
	return out, nil
}

// resizeRow blends source row sy horizontally into dst, keeping the sums exact (scaled by
// 2048) as OpenCV's HResizeLinear does for 8-bit images.
func resizeRow(dst []int32, im *Image, sy int, xofs []int, xw []int32) {
	src := im.Pix[3*im.Width*sy : 3*im.Width*(sy+1)]
	for dx := range len(xofs) {
		s0 := 3 * xofs[dx]
		s1 := s0
		if xofs[dx]+1 < im.Width {
			s1 += 3
		}
		a0, a1 := xw[2*dx], xw[2*dx+1]
		d := dst[3*dx : 3*dx+3]
		d[0] = int32(src[s0])*a0 + int32(src[s1])*a1
		d[1] = int32(src[s0+1])*a0 + int32(src[s1+1])*a1
		d[2] = int32(src[s0+2])*a0 + int32(src[s1+2])*a1
	}
}

// blendRows is OpenCV's VResizeLinearVec_32s8u: each term drops 4 bits, then the high half
// of a 16×16-bit product, and the sum is rounded away by 2 more bits.
func blendRows(dst []uint8, r0, r1 []int32, b0, b1 int32) {
	r0, r1 = r0[:len(dst)], r1[:len(dst)] // lets the compiler drop the bounds checks
	for i := range dst {
		v := ((r0[i]>>4)*b0>>16 + (r1[i]>>4)*b1>>16 + 2) >> 2
		dst[i] = uint8(clamp(int(v), 0, 255))
	}
}

// axisWeights gives, per destination index, the first source index and the two weights
// (in 1/2048) of it and the next one. OpenCV clamps the horizontal axis (clampEdges) but
// not the vertical one, whose rows are clipped only when read.
func axisWeights(src, dst int, clampEdges bool) ([]int, []int32) {
	scale := 1 / (float64(dst) / float64(src)) // OpenCV inverts its inverse scale
	ofs := make([]int, dst)
	w := make([]int32, 2*dst)
	for d := range dst {
		f := float32((float64(d)+0.5)*scale - 0.5)
		s := int(math.Floor(float64(f)))
		f -= float32(s)
		if clampEdges && s < 0 {
			f, s = 0, 0
		}
		if clampEdges && s >= src-1 {
			f, s = 0, src-1
		}
		ofs[d] = s
		w[2*d] = int32(math.RoundToEven(float64((1 - f) * coefScale)))
		w[2*d+1] = int32(math.RoundToEven(float64(f * coefScale)))
	}
	return ofs, w
}

func clamp(v, lo, hi int) int {
	return min(max(v, lo), hi)
}
