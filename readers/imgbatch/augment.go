package imgbatch

import (
	"fmt"
	"math"
	"strconv"

	"github.com/gohub/gohub/readers/picture"
)

// Op is one of the augmentation transforms (see the package doc).
type Op int

// The transforms, in PaddleHub's order.
const (
	Rotate Op = iota
	Brightness
	Contrast
	Saturation
	Flip
	numOps
)

var opNames = [...]string{"rotate", "brightness", "contrast", "saturation", "flip"}

func (o Op) String() string {
	if o >= 0 && o < numOps {
		return opNames[o]
	}
	return "Op(" + strconv.Itoa(int(o)) + ")"
}

// Augmentation is the transform one sample gets in one epoch.
type Augmentation struct {
	Op     Op
	Angle  int     // Rotate: degrees anticlockwise, 0..359
	Factor float64 // Brightness, Contrast, Saturation: in [0, 1)
}

func (a Augmentation) String() string {
	switch a.Op {
	case Rotate:
		return fmt.Sprintf("rotate %d°", a.Angle)
	case Flip:
		return "flip"
	}
	return fmt.Sprintf("%v %.4f", a.Op, a.Factor)
}

// drawAugmentation makes the decisions for one sample: first the transform, uniform over
// the five, then its parameter.
func drawAugmentation(g *gen) Augmentation {
	a := Augmentation{Op: Op(g.intn(int(numOps)))}
	switch a.Op {
	case Rotate:
		a.Angle = g.intn(360)
	case Brightness, Contrast, Saturation:
		a.Factor = g.float64()
	}
	return a
}

// Apply transforms im, in place where the transform allows it, and returns the result.
func (a Augmentation) Apply(im *picture.Image) *picture.Image {
	switch a.Op {
	case Rotate:
		return rotate(im, a.Angle)
	case Brightness:
		blendConst(im, 0, a.Factor)
	case Contrast:
		blendConst(im, uint8(meanGrey(im)), a.Factor)
	case Saturation:
		blendGrey(im, a.Factor)
	case Flip:
		flipLR(im)
	}
	return im
}

// grey is Pillow's RGB to L conversion (ITU-R 601-2 luma in 16-bit fixed point, rounded).
func grey(p []uint8) uint32 {
	return (uint32(p[0])*19595 + uint32(p[1])*38470 + uint32(p[2])*7471 + 0x8000) >> 16
}

// meanGrey is ImageEnhance.Contrast's degenerate level: the mean of the L image, rounded
// half up.
func meanGrey(im *picture.Image) int {
	var sum uint64
	for i := 0; i < len(im.Pix); i += 3 {
		sum += uint64(grey(im.Pix[i : i+3]))
	}
	return int(float64(sum)/float64(len(im.Pix)/3) + 0.5)
}

// blend is Pillow's ImagingBlend for 0 <= alpha <= 1: in1 + alpha*(in2-in1) in float32,
// truncated.
func blend(in1, in2 uint8, alpha float32) uint8 {
	v := float32(float32(in1) + float32(alpha*float32(int32(in2)-int32(in1))))
	return uint8(max(0, min(255, int32(v))))
}

// blendConst is Image.blend(constant picture, im, factor).
func blendConst(im *picture.Image, c uint8, factor float64) {
	alpha := float32(factor)
	var lut [256]uint8
	for x := range lut {
		lut[x] = blend(c, uint8(x), alpha)
	}
	for i, v := range im.Pix {
		im.Pix[i] = lut[v]
	}
}

// blendGrey is Image.blend(im.convert("L").convert("RGB"), im, factor).
func blendGrey(im *picture.Image, factor float64) {
	alpha := float32(factor)
	for i := 0; i < len(im.Pix); i += 3 {
		p := im.Pix[i : i+3]
		g := uint8(grey(p))
		p[0], p[1], p[2] = blend(g, p[0], alpha), blend(g, p[1], alpha), blend(g, p[2], alpha)
	}
}

func flipLR(im *picture.Image) {
	w := im.Width
	for y := range im.Height {
		row := im.Pix[3*w*y : 3*w*(y+1)]
		for l, r := 0, w-1; l < r; l, r = l+1, r-1 {
			a, b := row[3*l:3*l+3], row[3*r:3*r+3]
			a[0], a[1], a[2], b[0], b[1], b[2] = b[0], b[1], b[2], a[0], a[1], a[2]
		}
	}
}

// round15 is Python's round(v, 15), which Image.rotate applies to the cosine and sine:
// correctly rounded to 15 decimals.
func round15(v float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', 15, 64), 64)
	return r
}

// rotate is Pillow's Image.rotate(deg) with the defaults: NEAREST, no expand, about the
// centre, black fill. Like Pillow it takes the transpose shortcuts for 0, 180 and, on a
// square picture, 90 and 270 degrees, and otherwise maps each output pixel centre back
// through the rounded affine matrix, in 16.16 fixed point where that does not overflow.
func rotate(im *picture.Image, deg int) *picture.Image {
	deg = ((deg % 360) + 360) % 360
	w, h := im.Width, im.Height
	switch {
	case deg == 0:
		return im
	case deg == 180:
		return im.Orient(3)
	case deg == 90 && w == h:
		return im.Orient(8) // ROTATE_90: anticlockwise
	case deg == 270 && w == h:
		return im.Orient(6)
	}
	angle := -float64(deg) * math.Pi / 180 // Python: -math.radians(angle)
	cos, sin := round15(math.Cos(angle)), round15(math.Sin(angle))
	a0, a1, a3, a4 := cos, sin, round15(-math.Sin(angle)), cos
	cx, cy := float64(w)/2, float64(h)/2
	// matrix[2], matrix[5] = transform(-cx, -cy); then += the centre. Each product is
	// rounded on its own (no fused multiply-add), as Python computes it.
	a2 := float64(float64(float64(a0*-cx)+float64(a1*-cy))+0.0) + cx
	a5 := float64(float64(float64(a3*-cx)+float64(a4*-cy))+0.0) + cy

	out := picture.NewImage(w, h)
	copyPix := func(ox, oy, xin, yin int) {
		if xin >= 0 && xin < w && yin >= 0 && yin < h {
			copy(out.Pix[3*(oy*w+ox):3*(oy*w+ox)+3], im.Pix[3*(yin*w+xin):3*(yin*w+xin)+3])
		}
	}
	fits := func(x, y float64) bool {
		return math.Abs(x*a0+y*a1+a2) < 32768 && math.Abs(x*a3+y*a4+a5) < 32768
	}
	fw, fh := float64(w), float64(h)
	if fits(0, 0) && fits(fw, fh) && fits(0, fh) && fits(fw, 0) {
		fix := func(v float64) int32 { return int32(math.Floor(v*65536 + 0.5)) }
		f0, f1, f3, f4 := fix(a0), fix(a1), fix(a3), fix(a4)
		f2 := fix(float64(a2+float64(a0*0.5)) + float64(a1*0.5))
		f5 := fix(float64(a5+float64(a3*0.5)) + float64(a4*0.5))
		for oy := range h {
			xx, yy := f2, f5
			for ox := range w {
				copyPix(ox, oy, int(xx>>16), int(yy>>16))
				xx += f0
				yy += f3
			}
			f2 += f1
			f5 += f4
		}
		return out
	}
	// Pillow's floating-point path for pictures too large for 16.16.
	coord := func(v float64) int {
		if v < 0 {
			return -1
		}
		return int(v)
	}
	xo := float64(a2+float64(a1*0.5)) + float64(a0*0.5)
	yo := float64(a5+float64(a4*0.5)) + float64(a3*0.5)
	for oy := range h {
		xx, yy := xo, yo
		for ox := range w {
			copyPix(ox, oy, coord(xx), coord(yy))
			xx += a0
			yy += a3
		}
		xo += a1
		yo += a4
	}
	return out
}
