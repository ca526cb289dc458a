package imgcls

import (
	"github.com/pkg/errors"

	"github.com/gohub/gohub/hub/internal/recipe"
	"github.com/gohub/gohub/readers/picture"
)

// Config is a classifier's recipe: how an image becomes model input and how the model's
// output becomes probabilities.
type Config struct {
	picture.Preprocess
	// Softmax says whether the model outputs logits to turn into probabilities. nil means
	// decide per image: a row that already is a distribution (no negative value, sum 1)
	// is taken as it is, since a model that ends in softmax must not get a second one.
	Softmax *bool
	TopK    int // classes per image when Options.TopK is 0
}

// ImageNet's per-channel mean and std (R, G, B) on samples scaled to [0, 1].
var (
	ImageNetMean = [3]float64{0.485, 0.456, 0.406}
	ImageNetStd  = [3]float64{0.229, 0.224, 0.225}
)

// DefaultConfig is PaddleHub's classifier recipe (reference/paddlehub.md §3.3): short side
// 256, centre crop 224, RGB, x/255, ImageNet mean and std; top 1.
func DefaultConfig() Config {
	return Config{
		Preprocess: picture.Preprocess{ResizeShort: 256, Width: 224, Height: 224,
			Normalize: picture.Normalize{Order: picture.RGB, Divisor: 255, Mean: ImageNetMean, Std: ImageNetStd}},
		TopK: 1,
	}
}

// ParseConfig reads a module's preprocess and postprocess maps (module.yaml) over
// DefaultConfig. Preprocess keys: resize_short (0: no aspect-keeping resize), crop (N or
// [W, H]), resize ([W, H], instead of resize_short and crop), interpolation (bilinear,
// OpenCV's; lanczos, PIL's, PaddleHub 1.x's filter),
// channel_order (rgb, bgr, ...), scale (1/255), mean, std (three numbers each).
// Postprocess keys: softmax (bool), top_k. Unknown keys are refused, so a typo is reported
// rather than silently ignored.
func ParseConfig(pre, post map[string]any) (Config, error) {
	c := DefaultConfig()
	if _, ok := pre["resize"]; ok && (pre["resize_short"] != nil || pre["crop"] != nil) {
		return c, errors.New("preprocess: give resize, or resize_short and crop, not both")
	}
	for _, k := range recipe.SortedKeys(pre) {
		if err := c.setPre(k, pre[k]); err != nil {
			return c, errors.WithMessagef(err, "preprocess %s", k)
		}
	}
	for _, k := range recipe.SortedKeys(post) {
		if err := c.setPost(k, post[k]); err != nil {
			return c, errors.WithMessagef(err, "postprocess %s", k)
		}
	}
	if c.ResizeShort > 0 && (c.Width > c.ResizeShort || c.Height > c.ResizeShort) {
		return c, errors.Errorf("preprocess: crop %dx%d is larger than resize_short %d", c.Width, c.Height, c.ResizeShort)
	}
	return c, nil
}

func (c *Config) setPre(key string, v any) error {
	known, err := recipe.SetPreprocess(&c.Preprocess, key, v)
	if !known {
		err = errors.New("unknown key")
	}
	return err
}

func (c *Config) setPost(key string, v any) error {
	var err error
	switch key {
	case "softmax":
		b, ok := v.(bool)
		if !ok {
			return errors.Errorf("want true or false, got %v", v)
		}
		c.Softmax = &b
	case "top_k":
		c.TopK, err = recipe.Int(v, 1)
	default:
		err = errors.New("unknown key")
	}
	return err
}
