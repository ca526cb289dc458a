package image

import (
	"github.com/pkg/errors"
)

// Preprocess is the whole recipe from file to model input.
//
// With ResizeShort > 0 an image is resized so that its short side is ResizeShort, then the
// centred Width×Height box is cut out (PaddleHub's classifiers: 256, 224×224). With
// ResizeShort 0 it is resized to Width×Height regardless of its aspect
// (ImageClassificationReader, PaddleHub's SSD at 300×300).
type Preprocess struct {
	ResizeShort   int
	Width, Height int
	Normalize
}

// Geometry resizes (and crops) im to the recipe's Width×Height.
func (p Preprocess) Geometry(im *Image) (*Image, error) {
	if p.ResizeShort <= 0 {
		return Resize(im, p.Width, p.Height)
	}
	r, err := ResizeShort(im, p.ResizeShort)
	if err != nil {
		return nil, err
	}
	return CenterCrop(r, p.Width, p.Height)
}

// Load reads the files at paths and returns them as one batch; errors name the file.
func (p Preprocess) Load(paths []string) (*Batch, error) {
	images := make([]*Image, len(paths))
	for i, path := range paths {
		im, err := Load(path)
		if err != nil {
			return nil, err
		}
		if images[i], err = p.Geometry(im); err != nil {
			return nil, errors.Wrap(err, path)
		}
	}
	return p.NewBatch(images)
}
