package detect

import (
	"github.com/pkg/errors"

	"github.com/gohub/gohub/hub/internal/recipe"
	"github.com/gohub/gohub/readers/picture"
)

// Config is a detector's recipe: how a picture becomes model input and which rows count.
type Config struct {
	picture.Preprocess
	// ScoreThreshold drops rows scoring below it (PaddleHub's score_thresh).
	ScoreThreshold float64
}

// DefaultScoreThreshold is PaddleHub's score_thresh.
const DefaultScoreThreshold = 0.5

// DefaultConfig is PaddleHub's ssd_mobilenet_v1_pascal recipe (reference/paddlehub.md
// §3.2): 300×300 ignoring the aspect, LANCZOS, BGR, (x − 127.5) / 127.502231; threshold 0.5.
func DefaultConfig() Config {
	return Config{
		Preprocess: picture.Preprocess{Width: 300, Height: 300, Filter: picture.Lanczos,
			Normalize: picture.Normalize{Order: picture.BGR, Divisor: 1,
				Mean: [3]float64{127.5, 127.5, 127.5}, Std: [3]float64{127.502231, 127.502231, 127.502231}}},
		ScoreThreshold: DefaultScoreThreshold,
	}
}

// ParseConfig reads a module's preprocess and postprocess maps (module.yaml) over
// DefaultConfig. Preprocess keys: resize (N or [W, H]: the model's input size, aspect
// ignored), interpolation (lanczos, PIL's; bilinear, OpenCV's), channel_order (bgr, rgb,
// ...), scale (what samples are multiplied by before mean and std: 1, or 1/255), mean, std
// (three numbers each, per R, G, B). Postprocess keys: score_threshold (0..1),
// background_label (informational: the NMS in the model already leaves it out). Unknown
// keys are refused, so a typo is reported rather than silently ignored.
func ParseConfig(pre, post map[string]any) (Config, error) {
	c := DefaultConfig()
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
	return c, nil
}

// setPre takes the image kinds' shared keys but resize_short and crop: the SSD recipe
// resizes to a fixed size, ignoring the aspect.
func (c *Config) setPre(key string, v any) error {
	if key == "resize_short" || key == "crop" {
		return errors.New("unknown key")
	}
	known, err := recipe.SetPreprocess(&c.Preprocess, key, v)
	if !known {
		err = errors.New("unknown key")
	}
	return err
}

func (c *Config) setPost(key string, v any) error {
	switch key {
	case "score_threshold":
		f, err := recipe.Float(v)
		if err == nil && (f < 0 || f > 1) {
			err = errors.Errorf("want a number from 0 to 1, got %v", f)
		}
		c.ScoreThreshold = f
		return err
	case "background_label":
		_, err := recipe.Float(v)
		return err
	}
	return errors.New("unknown key")
}
