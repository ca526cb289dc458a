package picture

// Orient returns the image turned upright for an EXIF orientation value: 2 mirrors it,
// 3 turns it 180°, 4 flips it vertically, 5 transposes it, 6 turns it 90° clockwise,
// 7 transverses it, 8 turns it 90° anticlockwise. 1 and unknown values return im itself.
func (im *Image) Orient(orientation int) *Image {
	if orientation < 2 || orientation > 8 {
		return im
	}
	w, h := im.Width, im.Height
	ow, oh := w, h
	if orientation >= 5 {
		ow, oh = h, w
	}
	// src maps an output pixel to the stored pixel it shows.
	src := func(ox, oy int) (int, int) {
		switch orientation {
		case 2:
			return w - 1 - ox, oy
		case 3:
			return w - 1 - ox, h - 1 - oy
		case 4:
			return ox, h - 1 - oy
		case 5:
			return oy, ox
		case 6:
			return oy, h - 1 - ox
		case 7:
			return w - 1 - oy, h - 1 - ox
		}
		return w - 1 - oy, ox // 8
	}
	// The map is affine, so three evaluations give the start and the steps in the source.
	index := func(ox, oy int) int { sx, sy := src(ox, oy); return sy*w + sx }
	origin := index(0, 0)
	stepX, stepY := index(1, 0)-origin, index(0, 1)-origin
	out := NewImage(ow, oh)
	for oy := range oh {
		s := origin + oy*stepY
		row := out.Pix[3*oy*ow : 3*(oy+1)*ow]
		for ox := range ow {
			copy(row[3*ox:3*ox+3], im.Pix[3*s:3*s+3])
			s += stepX
		}
	}
	return out
}
