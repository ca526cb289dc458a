package picture

import (
	"math"

	"github.com/pkg/errors"
)

// ShortSideSize returns the size PaddleHub's resize_short gives a width×height image whose
// short side becomes short: both sides times short/min(width, height), rounded by Python's
// round() (half to even) as processor.py does.
func ShortSideSize(width, height, short int) (int, int) {
	percent := float64(short) / float64(min(width, height))
	return int(math.RoundToEven(float64(width) * percent)), int(math.RoundToEven(float64(height) * percent))
}

// ResizeShort resizes im bilinearly, keeping its aspect, so that its short side is short
// pixels.
func ResizeShort(im *Image, short int) (*Image, error) {
	return resizeShort(im, short, Bilinear)
}

func resizeShort(im *Image, short int, f Filter) (*Image, error) {
	if err := im.check(); err != nil {
		return nil, errors.Wrap(err, "resize short side")
	}
	if short <= 0 {
		return nil, errors.Errorf("resize short side to %d: size must be positive", short)
	}
	w, h := ShortSideSize(im.Width, im.Height, short)
	return f.resize(im, w, h)
}

// CenterBox returns the left and top of the width×height box centred in a W×H image the
// way PaddleHub's crop_image does: the float start (W-width)/2, which PIL's crop rounds
// half to even.
func CenterBox(imWidth, imHeight, width, height int) (left, top int) {
	left = int(math.RoundToEven(float64(imWidth-width) / 2))
	top = int(math.RoundToEven(float64(imHeight-height) / 2))
	return left, top
}

// CenterCrop cuts the centred width×height box out of im (see CenterBox).
func CenterCrop(im *Image, width, height int) (*Image, error) {
	if err := im.check(); err != nil {
		return nil, errors.Wrap(err, "centre crop")
	}
	if width <= 0 || height <= 0 || width > im.Width || height > im.Height {
		return nil, errors.Errorf("centre crop %dx%d out of a %dx%d image", width, height, im.Width, im.Height)
	}
	left, top := CenterBox(im.Width, im.Height, width, height)
	out := NewImage(width, height)
	for y := range height {
		src := 3 * ((top+y)*im.Width + left)
		copy(out.Pix[3*width*y:3*width*(y+1)], im.Pix[src:src+3*width])
	}
	return out, nil
}

// check rejects images whose pixel slice does not match their size, so that callers who
// build an Image by hand get an error rather than an index panic.
func (im *Image) check() error {
	if im == nil {
		return errors.New("nil image")
	}
	if im.Width <= 0 || im.Height <= 0 || len(im.Pix) != 3*im.Width*im.Height {
		return errors.Errorf("malformed %dx%d image with %d bytes of pixels", im.Width, im.Height, len(im.Pix))
	}
	return nil
}
