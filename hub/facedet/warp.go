package facedet

import (
	"math"

	"github.com/gohub/gohub/readers/picture"
)

// OpenCV's warpAffine on 8-bit pictures: source coordinates in fixed point with 10
// fractional bits, rounded to 1/32 pixel, and bilinear weights in units of 1/32768.
const (
	abBits     = 10
	abScale    = 1 << abBits
	interBits  = 5
	interTab   = 1 << interBits
	coefBits   = 15
	roundDelta = abScale / interTab / 2
)

// Box is a face in whole pixels of the picture.
type Box struct{ Left, Top, Right, Bottom int }

// cropMatrix is PaddleHub's crop of a face (data_feed.py crop with shift 0 and rotate 0):
// getRotationMatrix2D about the centre of the box's corners, by the angle of its top edge,
// scaled so that the longer half-side times scale spans res/2, then shifted so the centre
// lands at (res/2, res/2). The arithmetic is numpy 1.x's float64 and OpenCV's double.
func cropMatrix(b Box, scale float64, res int) ([6]float64, bool) {
	// The corners (left, top), (right, top), (left, bottom), (right, bottom) as float32.
	xs := [4]float64{float64(b.Left), float64(b.Right), float64(b.Left), float64(b.Right)}
	ys := [4]float64{float64(b.Top), float64(b.Top), float64(b.Bottom), float64(b.Bottom)}
	alpha := math.Atan2(ys[1]-ys[0], xs[1]-xs[0]) * 180 / math.Pi
	lox, hix := min(xs[0], xs[1]), max(xs[0], xs[1])
	loy, hiy := min(ys[0], ys[2]), max(ys[0], ys[2])
	cx, cy := hix-(hix-lox)/2, hiy-(hiy-loy)/2
	maxWH := max((hix-lox)/2, (hiy-loy)/2)
	if maxWH == 0 {
		return [6]float64{}, false
	}
	s := float64(res) / (2 * maxWH * scale)
	// cv::getRotationMatrix2D: the centre is a Point2f; the face's corners are whole
	// pixels, so their centre is exact in float32.
	fx, fy := float64(float32(cx)), float64(float32(cy))
	ang := alpha * (math.Pi / 180)
	a, bt := math.Cos(ang)*s, math.Sin(ang)*s
	m := [6]float64{a, bt, (1-a)*fx - bt*fy, -bt, a, bt*fx + (1-a)*fy}
	m[2] -= cx - float64(res)/2
	m[5] -= cy - float64(res)/2
	return m, true
}

// warpAffine is cv2.warpAffine(src, m, (res, res)) with INTER_LINEAR and a black constant
// border, bit for bit: m is inverted in double, each destination pixel's source position
// is computed in fixed point (cvRound of m·AB_SCALE terms), split into a whole pixel and a
// 1/32 fraction, and the four neighbours are blended with the 15-bit weights of OpenCV's
// bilinear table; neighbours outside the picture count as 0.
func warpAffine(src *picture.Image, m [6]float64, res int) *picture.Image {
	dst := picture.NewImage(res, res)
	d := m[0]*m[4] - m[1]*m[3]
	if d != 0 {
		d = 1 / d
	}
	a11, a22 := m[4]*d, m[0]*d
	m[0], m[1] = a11, m[1]*-d
	m[3], m[4] = m[3]*-d, a22
	b1 := -m[0]*m[2] - m[1]*m[5]
	b2 := -m[3]*m[2] - m[4]*m[5]
	m[2], m[5] = b1, b2

	adelta, bdelta := make([]int, res), make([]int, res)
	for x := range res {
		adelta[x] = cvRound(float64(m[0]*float64(x)) * abScale)
		bdelta[x] = cvRound(float64(m[3]*float64(x)) * abScale)
	}
	w, h := src.Width, src.Height
	for y := range res {
		x0 := cvRound(float64(float64(m[1]*float64(y))+m[2])*abScale) + roundDelta
		y0 := cvRound(float64(float64(m[4]*float64(y))+m[5])*abScale) + roundDelta
		for x := range res {
			X := (x0 + adelta[x]) >> (abBits - interBits)
			Y := (y0 + bdelta[x]) >> (abBits - interBits)
			sx, sy := X>>interBits, Y>>interBits
			tx, ty := X&(interTab-1), Y&(interTab-1)
			// The table entry of (ty, tx): products of the 1-D weights (32-t, t)/32, exact
			// in 1/1024 units, times 32768.
			wts := [4]int{(interTab - ty) * (interTab - tx) * 32, (interTab - ty) * tx * 32, ty * (interTab - tx) * 32, ty * tx * 32}
			out := dst.Pix[3*(y*res+x):]
			var sum [3]int
			for k, p := range [4][2]int{{sx, sy}, {sx + 1, sy}, {sx, sy + 1}, {sx + 1, sy + 1}} {
				if p[0] < 0 || p[1] < 0 || p[0] >= w || p[1] >= h || wts[k] == 0 {
					continue
				}
				s := src.Pix[3*(p[1]*w+p[0]):]
				sum[0] += int(s[0]) * wts[k]
				sum[1] += int(s[1]) * wts[k]
				sum[2] += int(s[2]) * wts[k]
			}
			for c := range 3 {
				out[c] = uint8(min(max((sum[c]+1<<(coefBits-1))>>coefBits, 0), 255))
			}
		}
	}
	return dst
}

// cvRound is OpenCV's rounding of a double to int: half to even, saturated.
func cvRound(v float64) int {
	r := math.RoundToEven(v)
	switch {
	case math.IsNaN(r):
		return 0
	case r > math.MaxInt32:
		return math.MaxInt32
	case r < math.MinInt32:
		return math.MinInt32
	}
	return int(r)
}

// cropFace is PaddleHub's crop of one face: a res×res picture (black where the square
// leaves the picture; all black for a face box without extent).
func cropFace(src *picture.Image, b Box, scale float64, res int) *picture.Image {
	m, ok := cropMatrix(b, scale, res)
	if !ok {
		return picture.NewImage(res, res)
	}
	return warpAffine(src, m, res)
}
