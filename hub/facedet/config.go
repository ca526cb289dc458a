package facedet

import (
	"github.com/pkg/errors"

	"github.com/gohub/gohub/hub/internal/recipe"
)

// Config is the recipe of a face module (module.yaml's preprocess and postprocess).
type Config struct {
	// Shrink resizes the picture by this factor before detection (PaddleHub's shrink).
	Shrink float64
	// Mean is subtracted from the B, G, R samples, which are then multiplied by Scale.
	Mean  [3]float32
	Scale float32
	// ConfThreshold keeps faces scoring strictly above it (PaddleHub's confs_threshold).
	ConfThreshold float64
	// CropScale and CropSize shape the mask classifier's input: a CropSize square around
	// the face, the face's longer half-side times CropScale mapped onto CropSize/2.
	CropScale float64
	CropSize  int
}

// PaddleHub's defaults (pyramidbox_lite_mobile 1.2.0, pyramidbox_lite_mobile_mask 1.4.0).
const (
	DefaultShrink        = 0.5
	DefaultConfThreshold = 0.6
)

// DefaultConfig is PaddleHub's recipe.
func DefaultConfig() Config {
	return Config{
		Shrink: DefaultShrink, Mean: [3]float32{104, 117, 123}, Scale: 0.007843,
		ConfThreshold: DefaultConfThreshold, CropScale: 1.5, CropSize: 128,
	}
}

// ParseConfig reads a module's preprocess and postprocess maps over DefaultConfig.
// Preprocess keys: shrink (a positive factor), mean (three numbers, B, G, R),
// scale, crop_scale, crop_size. Postprocess keys: confs_threshold (0..1). Unknown keys are
// refused, so a typo is reported rather than silently ignored.
func ParseConfig(pre, post map[string]any) (Config, error) {
	c := DefaultConfig()
	for _, k := range recipe.SortedKeys(pre) {
		if err := c.setPre(k, pre[k]); err != nil {
			return c, errors.WithMessagef(err, "preprocess %s", k)
		}
	}
	for _, k := range recipe.SortedKeys(post) {
		v, err := recipe.Float(post[k])
		switch {
		case k != "confs_threshold":
			err = errors.New("unknown key (want confs_threshold)")
		case err == nil && !(v >= 0 && v <= 1):
			err = errors.Errorf("want a number from 0 to 1, got %v", v)
		}
		if err != nil {
			return c, errors.WithMessagef(err, "postprocess %s", k)
		}
		c.ConfThreshold = v
	}
	return c, nil
}

func (c *Config) setPre(key string, v any) error {
	switch key {
	case "mean":
		m, err := recipe.Triple(v, "B, G, R")
		c.Mean = [3]float32{float32(m[0]), float32(m[1]), float32(m[2])}
		return err
	case "crop_size":
		f, err := recipe.Float(v)
		if err != nil || f < 2 || f > 4096 || f != float64(int(f)) {
			return errors.Errorf("want a whole number of pixels from 2 to 4096, got %v", v)
		}
		c.CropSize = int(f)
		return nil
	}
	f, err := recipe.Float(v)
	if err == nil && !(f > 0 && f < 1e6) {
		err = errors.Errorf("want a positive number, got %v", f)
	}
	if err != nil {
		return err
	}
	switch key {
	case "shrink":
		c.Shrink = f
	case "scale":
		c.Scale = float32(f)
	case "crop_scale":
		c.CropScale = f
	default:
		return errors.New("unknown key (want shrink, mean, scale, crop_scale or crop_size)")
	}
	return nil
}
