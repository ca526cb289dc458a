package picture

import (
	"strings"

	"github.com/pkg/errors"
)

// ChannelOrder says which source channel (0 R, 1 G, 2 B) each output plane holds.
type ChannelOrder [3]int

// The orders ImageClassificationReader accepts.
var (
	RGB = ChannelOrder{0, 1, 2}
	RBG = ChannelOrder{0, 2, 1}
	GBR = ChannelOrder{1, 2, 0}
	GRB = ChannelOrder{1, 0, 2}
	BGR = ChannelOrder{2, 1, 0}
	BRG = ChannelOrder{2, 0, 1}
)

// ParseChannelOrder reads "RGB", "bgr", ...: each of R, G and B once.
func ParseChannelOrder(s string) (ChannelOrder, error) {
	var o ChannelOrder
	if len(s) != 3 {
		return o, errors.Errorf("channel order %q: want a permutation of RGB", s)
	}
	seen := [3]bool{}
	for i, c := range strings.ToUpper(s) {
		k := strings.IndexRune("RGB", c)
		if k < 0 || seen[k] {
			return o, errors.Errorf("channel order %q: want a permutation of RGB", s)
		}
		seen[k] = true
		o[i] = k
	}
	return o, nil
}

func (o ChannelOrder) String() string {
	return string([]byte{"RGB"[o[0]], "RGB"[o[1]], "RGB"[o[2]]})
}

// Normalize turns 8-bit samples into model input: ((x/Divisor) - Mean[c]) / Std[c], with
// Mean and Std given per source channel (R, G, B), then the channels permuted by Order,
// as ImageClassificationReader does. PaddleHub's classifiers use Divisor 255 and the
// ImageNet mean and std; its SSD uses Divisor 1, mean 127.5 and std 127.502231 with BGR.
type Normalize struct {
	Order     ChannelOrder
	Divisor   float32
	Mean, Std [3]float64
}

// table gives the output value of each sample value per source channel. The roundings
// follow numpy in PaddleHub's code: x/255 in float32, then the float64 mean and std applied
// in float64 and stored back to the float32 array after each step.
func (n Normalize) table() (*[3][256]float32, error) {
	if n.Divisor == 0 {
		return nil, errors.New("normalize: divisor is 0")
	}
	var t [3][256]float32
	for c := range 3 {
		if n.Std[c] == 0 {
			return nil, errors.Errorf("normalize: std of channel %d is 0", c)
		}
		for x := range 256 {
			v := float32(x) / n.Divisor
			v = float32(float64(v) - n.Mean[c])
			t[c][x] = float32(float64(v) / n.Std[c])
		}
	}
	return &t, nil
}

// CHW writes im's normalised samples into dst as three planes of Height×Width, in the
// order n.Order names; dst must hold exactly 3*Width*Height values.
func (n Normalize) CHW(dst []float32, im *Image) error {
	if err := im.check(); err != nil {
		return errors.Wrap(err, "normalize")
	}
	plane := im.Width * im.Height
	if len(dst) != 3*plane {
		return errors.Errorf("normalize %dx%d image into %d values, want %d", im.Width, im.Height, len(dst), 3*plane)
	}
	t, err := n.table()
	if err != nil {
		return err
	}
	for out, c := range n.Order {
		if c < 0 || c > 2 {
			return errors.Errorf("normalize: channel order %v names channel %d", [3]int(n.Order), c)
		}
		lut, p := &t[c], dst[out*plane:(out+1)*plane]
		for i := range p {
			p[i] = lut[im.Pix[3*i+c]]
		}
	}
	return nil
}

// Batch is images stacked as one [N,3,H,W] float32 tensor, row-major.
type Batch struct {
	N, H, W int
	Data    []float32
}

// Shape returns the tensor's dimensions.
func (b *Batch) Shape() []int64 {
	return []int64{int64(b.N), 3, int64(b.H), int64(b.W)}
}

// NewBatch normalises images of one size into a Batch.
func (n Normalize) NewBatch(images []*Image) (*Batch, error) {
	if len(images) == 0 {
		return nil, errors.New("batch of no images")
	}
	if err := images[0].check(); err != nil {
		return nil, errors.Wrap(err, "batch image 0")
	}
	w, h := images[0].Width, images[0].Height
	size := 3 * w * h
	b := &Batch{N: len(images), H: h, W: w, Data: make([]float32, len(images)*size)}
	for i, im := range images {
		if im != nil && (im.Width != w || im.Height != h) {
			return nil, errors.Errorf("batch image %d is %dx%d, image 0 is %dx%d", i, im.Width, im.Height, w, h)
		}
		if err := n.CHW(b.Data[i*size:(i+1)*size], im); err != nil {
			return nil, errors.Wrapf(err, "batch image %d", i)
		}
	}
	return b, nil
}
