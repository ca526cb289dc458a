package picture

import (
	stdimage "image"
	"image/color"
)

// fromStd copies a decoded picture into an Image. The decoders' concrete types get loops
// over their pixel slices; At() costs an interface call and an allocation per pixel and is
// only the fallback for types no decoder here returns.
func fromStd(src stdimage.Image) *Image {
	b := src.Bounds()
	im := NewImage(b.Dx(), b.Dy())
	switch s := src.(type) {
	case *stdimage.YCbCr:
		fromYCbCr(im, s)
	case *stdimage.Gray:
		eachRow(im, func(y int, dst []uint8) {
			row := s.Pix[(y-s.Rect.Min.Y)*s.Stride:]
			for x := range im.Width {
				v := row[x]
				dst[3*x], dst[3*x+1], dst[3*x+2] = v, v, v
			}
		})
	case *stdimage.NRGBA:
		eachRow(im, func(y int, dst []uint8) {
			row := s.Pix[(y-s.Rect.Min.Y)*s.Stride:]
			for x := range im.Width {
				copy(dst[3*x:3*x+3], row[4*x:4*x+3]) // alpha dropped, see doc.go
			}
		})
	case *stdimage.RGBA:
		eachRow(im, func(y int, dst []uint8) {
			row := s.Pix[(y-s.Rect.Min.Y)*s.Stride:]
			for x := range im.Width {
				p := row[4*x : 4*x+4]
				dst[3*x], dst[3*x+1], dst[3*x+2] = unpremultiply(p[0], p[3]), unpremultiply(p[1], p[3]), unpremultiply(p[2], p[3])
			}
		})
	case *stdimage.Paletted:
		lut := paletteRGB(s.Palette)
		eachRow(im, func(y int, dst []uint8) {
			row := s.Pix[(y-s.Rect.Min.Y)*s.Stride:]
			for x := range im.Width {
				c := lut[row[x]]
				dst[3*x], dst[3*x+1], dst[3*x+2] = c[0], c[1], c[2]
			}
		})
	case *stdimage.CMYK:
		eachRow(im, func(y int, dst []uint8) {
			row := s.Pix[(y-s.Rect.Min.Y)*s.Stride:]
			for x := range im.Width {
				p := row[4*x : 4*x+4]
				dst[3*x], dst[3*x+1], dst[3*x+2] = color.CMYKToRGB(p[0], p[1], p[2], p[3])
			}
		})
	case *stdimage.Gray16:
		eachRow(im, func(y int, dst []uint8) {
			row := s.Pix[(y-s.Rect.Min.Y)*s.Stride:]
			for x := range im.Width {
				v := row[2*x] // big-endian: the high byte
				dst[3*x], dst[3*x+1], dst[3*x+2] = v, v, v
			}
		})
	case *stdimage.NRGBA64:
		eachRow(im, func(y int, dst []uint8) {
			row := s.Pix[(y-s.Rect.Min.Y)*s.Stride:]
			for x := range im.Width {
				dst[3*x], dst[3*x+1], dst[3*x+2] = row[8*x], row[8*x+2], row[8*x+4]
			}
		})
	case *stdimage.RGBA64:
		// The PNG decoder returns RGBA64 only for opaque 16-bit RGB, so no un-premultiplying.
		eachRow(im, func(y int, dst []uint8) {
			row := s.Pix[(y-s.Rect.Min.Y)*s.Stride:]
			for x := range im.Width {
				dst[3*x], dst[3*x+1], dst[3*x+2] = row[8*x], row[8*x+2], row[8*x+4]
			}
		})
	default:
		eachRow(im, func(y int, dst []uint8) {
			for x := range im.Width {
				c := color.NRGBAModel.Convert(src.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
				dst[3*x], dst[3*x+1], dst[3*x+2] = c.R, c.G, c.B
			}
		})
	}
	return im
}

// eachRow calls f with each image row's index (from the source's Min.Y) and its pixels.
func eachRow(im *Image, f func(y int, dst []uint8)) {
	for y := range im.Height {
		f(y, im.Pix[3*im.Width*y:3*im.Width*(y+1)])
	}
}

// fromYCbCr converts JPEG's colour space with the standard library's JFIF formula; chroma
// is taken from the sample covering each pixel (no smoothing between chroma samples).
func fromYCbCr(im *Image, s *stdimage.YCbCr) {
	hs, vs := chromaShift(s.SubsampleRatio)
	x0, y0 := s.Rect.Min.X, s.Rect.Min.Y
	eachRow(im, func(y int, dst []uint8) {
		yrow := s.Y[y*s.YStride:]
		crow := (((y0+y)>>vs)-(y0>>vs))*s.CStride - (x0 >> hs)
		for x := range im.Width {
			ci := crow + ((x0 + x) >> hs)
			dst[3*x], dst[3*x+1], dst[3*x+2] = color.YCbCrToRGB(yrow[x], s.Cb[ci], s.Cr[ci])
		}
	})
}

// chromaShift gives log2 of the horizontal and vertical chroma subsampling.
func chromaShift(r stdimage.YCbCrSubsampleRatio) (h, v uint) {
	switch r {
	case stdimage.YCbCrSubsampleRatio422:
		return 1, 0
	case stdimage.YCbCrSubsampleRatio420:
		return 1, 1
	case stdimage.YCbCrSubsampleRatio440:
		return 0, 1
	case stdimage.YCbCrSubsampleRatio411:
		return 2, 0
	case stdimage.YCbCrSubsampleRatio410:
		return 2, 1
	}
	return 0, 0
}

// paletteRGB resolves a palette once; entries with transparency (NRGBA from PNG's tRNS)
// keep their stored colour, as everywhere else alpha is dropped. Indices past the palette
// are black, as the PNG decoder leaves them.
func paletteRGB(p color.Palette) *[256][3]uint8 {
	var lut [256][3]uint8
	for i, c := range p {
		if i == len(lut) {
			break
		}
		n := color.NRGBAModel.Convert(c).(color.NRGBA)
		lut[i] = [3]uint8{n.R, n.G, n.B}
	}
	return &lut
}

// unpremultiply recovers a colour sample stored multiplied by its alpha.
func unpremultiply(v, a uint8) uint8 {
	if a == 0xFF || a == 0 {
		return v
	}
	return uint8((uint32(v)*0xFF + uint32(a)/2) / uint32(a))
}
