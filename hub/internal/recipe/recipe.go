// Package recipe reads the values of a module's preprocess and postprocess maps
// (module.yaml), which YAML decodes as int, float64 and []any, and Go code writes as any
// number or slice type. Every image kind parses its recipe with these.
package recipe

import (
	"math"
	"sort"

	"github.com/pkg/errors"

	"github.com/gohub/gohub/readers/picture"
)

// Float reads a finite number.
func Float(v any) (float64, error) {
	switch n := v.(type) {
	case int:
		return float64(n), nil
	case int64:
		return float64(n), nil
	case uint64:
		return float64(n), nil
	case float32:
		return float64(n), nil
	case float64:
		if math.IsNaN(n) || math.IsInf(n, 0) {
			return 0, errors.Errorf("want a finite number, got %v", n)
		}
		return n, nil
	}
	return 0, errors.Errorf("want a number, got %v", v)
}

// Int reads a whole number from least to 2^20.
func Int(v any, least int) (int, error) {
	f, err := Float(v)
	if err != nil {
		return 0, err
	}
	if f != math.Trunc(f) || f < float64(least) || f > 1<<20 {
		return 0, errors.Errorf("want a whole number from %d, got %v", least, v)
	}
	return int(f), nil
}

// List reads a list of numbers.
func List(v any) ([]float64, error) {
	var items []any
	switch l := v.(type) {
	case []any:
		items = l
	case []float64:
		return l, nil
	case []int:
		out := make([]float64, len(l))
		for i, n := range l {
			out[i] = float64(n)
		}
		return out, nil
	default:
		return nil, errors.Errorf("want a list of numbers, got %v", v)
	}
	out := make([]float64, len(items))
	for i, it := range items {
		f, err := Float(it)
		if err != nil {
			return nil, err
		}
		out[i] = f
	}
	return out, nil
}

// Triple reads three numbers, one per channel (order names them in the error).
func Triple(v any, order string) ([3]float64, error) {
	l, err := List(v)
	if err == nil && len(l) != 3 {
		err = errors.Errorf("want 3 numbers (%s), got %d", order, len(l))
	}
	if err != nil {
		return [3]float64{}, err
	}
	return [3]float64{l[0], l[1], l[2]}, nil
}

// Size reads N (a square) or [W, H], each a whole number from 1.
func Size(v any) (int, int, error) {
	if n, err := Int(v, 1); err == nil {
		return n, n, nil
	}
	l, err := List(v)
	if err != nil || len(l) != 2 {
		return 0, 0, errors.Errorf("want N or [W, H], got %v", v)
	}
	w, werr := Int(l[0], 1)
	h, herr := Int(l[1], 1)
	if werr != nil || herr != nil {
		return 0, 0, errors.Errorf("want N or [W, H], got %v", v)
	}
	return w, h, nil
}

// SortedKeys returns m's keys in order, so that errors come out the same on every run.
func SortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// SetPreprocess applies one preprocess key that image kinds share: resize_short, crop and
// resize (sizes), interpolation (bilinear, lanczos), channel_order (rgb, bgr ...), scale
// (what samples are multiplied by before mean and std), mean and std (R, G, B). known is
// false for any other key, which the kind handles or refuses.
func SetPreprocess(p *picture.Preprocess, key string, v any) (known bool, err error) {
	switch key {
	case "resize_short":
		p.ResizeShort, err = Int(v, 0)
	case "crop":
		p.Width, p.Height, err = Size(v)
	case "resize":
		p.Width, p.Height, err = Size(v)
		p.ResizeShort = 0
	case "interpolation":
		s, _ := v.(string)
		if p.Filter, err = picture.ParseFilter(s); err != nil {
			err = errors.Errorf("want bilinear or lanczos, got %v", v)
		}
	case "channel_order":
		s, ok := v.(string)
		if !ok {
			return true, errors.Errorf("want e.g. rgb, got %v", v)
		}
		p.Order, err = picture.ParseChannelOrder(s)
	case "scale":
		var s float64
		if s, err = Float(v); err == nil && s <= 0 {
			err = errors.Errorf("want a positive number, got %v", s)
		}
		// Normalize divides: 1/(1/255) rounds to 255 exactly in float32.
		p.Divisor = float32(1 / s)
	case "mean":
		p.Mean, err = Triple(v, "R, G, B")
	case "std":
		p.Std, err = Triple(v, "R, G, B")
		if err == nil && (p.Std[0] == 0 || p.Std[1] == 0 || p.Std[2] == 0) {
			err = errors.New("std must not be 0")
		}
	default:
		return false, nil
	}
	return true, err
}
