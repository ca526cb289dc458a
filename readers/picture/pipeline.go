package picture

import (
	"strings"

	"github.com/pkg/errors"
)

// Preprocess is the whole recipe from file to model input.
//
// With ResizeShort > 0 an image is resized so that its short side is ResizeShort, then the
// centred Width×Height box is cut out (PaddleHub's classifiers: 256, 224×224). With
// ResizeShort 0 it is resized to Width×Height regardless of its aspect
// (ImageClassificationReader, PaddleHub's SSD at 300×300). Filter picks the resampling:
// OpenCV's bilinear (the zero value) or Pillow's LANCZOS.
type Preprocess struct {
	ResizeShort   int
	Width, Height int
	Filter        Filter
	Normalize
}

// Filter is a resampling filter.
type Filter int

const (
	// Bilinear is cv2.resize(INTER_LINEAR) (Resize).
	Bilinear Filter = iota
	// Lanczos is PIL's Image.resize(size, Image.LANCZOS) (ResizeLanczos).
	Lanczos
)

// ParseFilter reads a filter name: bilinear (or linear), lanczos (or antialias, PIL's old
// name for it).
func ParseFilter(s string) (Filter, error) {
	switch strings.ToLower(s) {
	case "bilinear", "linear":
		return Bilinear, nil
	case "lanczos", "antialias":
		return Lanczos, nil
	}
	return Bilinear, errors.Errorf("interpolation %q: want bilinear or lanczos", s)
}

func (f Filter) String() string {
	if f == Lanczos {
		return "lanczos"
	}
	return "bilinear"
}

// resize scales im to width×height with the filter.
func (f Filter) resize(im *Image, width, height int) (*Image, error) {
	if f == Lanczos {
		return ResizeLanczos(im, width, height)
	}
	return Resize(im, width, height)
}

// Geometry resizes (and crops) im to the recipe's Width×Height.
func (p Preprocess) Geometry(im *Image) (*Image, error) {
	if p.ResizeShort <= 0 {
		return p.Filter.resize(im, p.Width, p.Height)
	}
	r, err := resizeShort(im, p.ResizeShort, p.Filter)
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
