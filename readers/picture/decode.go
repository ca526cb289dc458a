package picture

import (
	"bytes"
	stdimage "image"
	"image/jpeg"
	"image/png"
	"os"
	"strconv"

	"github.com/pkg/errors"
	"golang.org/x/image/bmp"
)

// Image is an 8-bit RGB picture: Pix holds Width*Height pixels of three bytes (R, G, B),
// row after row, with no padding.
type Image struct {
	Width, Height int
	Pix           []uint8
}

// NewImage returns a black width×height image.
func NewImage(width, height int) *Image {
	return &Image{Width: width, Height: height, Pix: make([]uint8, 3*width*height)}
}

// Load reads and decodes the image file at path. Its errors are *FileError and name the
// path.
func Load(path string) (*Image, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &FileError{Path: path, Err: errors.Wrap(err, "read image")}
	}
	im, err := Decode(path, data)
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	return im, nil
}

// FileError: an image file that cannot be read or decoded. It lets a caller running many
// files tell one bad input from a failure of the run itself.
type FileError struct {
	Path string
	Err  error // its message names the path
}

func (e *FileError) Error() string { return e.Err.Error() }

func (e *FileError) Unwrap() error { return e.Err }

// format is what the first bytes of a file say it is.
type format int

const (
	unknown format = iota
	formatJPEG
	formatPNG
	formatBMP
	formatGIF
	formatTIFF
	formatWebP
)

var formatNames = map[format]string{
	formatJPEG: "JPEG", formatPNG: "PNG", formatBMP: "BMP",
	formatGIF: "GIF", formatTIFF: "TIFF", formatWebP: "WebP",
}

// sniff recognises the decodable formats and, to give a useful error, a few common others.
func sniff(data []byte) format {
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return formatJPEG
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return formatPNG
	case bytes.HasPrefix(data, []byte("BM")) && len(data) >= 26:
		return formatBMP
	case bytes.HasPrefix(data, []byte("GIF8")):
		return formatGIF
	case bytes.HasPrefix(data, []byte("II*\x00")), bytes.HasPrefix(data, []byte("MM\x00*")):
		return formatTIFF
	case len(data) >= 12 && bytes.HasPrefix(data, []byte("RIFF")) && string(data[8:12]) == "WEBP":
		return formatWebP
	}
	return unknown
}

// Decode decodes an image file's content; name (usually the path) labels errors.
func Decode(name string, data []byte) (*Image, error) {
	f := sniff(data)
	var (
		img stdimage.Image
		err error
	)
	switch f {
	case formatJPEG:
		img, err = jpeg.Decode(bytes.NewReader(data))
	case formatPNG:
		img, err = png.Decode(bytes.NewReader(data))
	case formatBMP:
		img, err = bmp.Decode(bytes.NewReader(data))
	case unknown:
		if len(data) == 0 {
			return nil, errors.Errorf("%s: not an image (empty file)", name)
		}
		return nil, errors.Errorf("%s: not an image (starts with %s)", name, preview(data))
	default:
		return nil, errors.Errorf("%s: %s images are not supported (JPEG, PNG and BMP are)", name, formatNames[f])
	}
	if err != nil {
		return nil, errors.Wrapf(err, "%s: broken %s image", name, formatNames[f])
	}
	im := fromStd(img)
	if f == formatJPEG {
		im = im.Orient(exifOrientation(data))
	}
	return im, nil
}

// preview quotes the first bytes of a file so that an error shows what it is instead.
func preview(data []byte) string {
	const n = 16
	if len(data) > n {
		data = data[:n]
	}
	return strconv.QuoteToASCII(string(data))
}

// FormatOf names the format the first bytes of an image file say it is: "jpeg", "png" or
// "bmp" for the ones Decode reads, "" otherwise (e.g. to save an annotated copy of a
// picture in its own format).
func FormatOf(data []byte) string {
	switch sniff(data) {
	case formatJPEG:
		return "jpeg"
	case formatPNG:
		return "png"
	case formatBMP:
		return "bmp"
	}
	return ""
}
