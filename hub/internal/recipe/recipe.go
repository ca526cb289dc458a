// Package recipe reads the values of a module's preprocess and postprocess maps
// (module.yaml), which YAML decodes as int, float64 and []any, and Go code writes as any
// number or slice type. Every image kind parses its recipe with these.
package recipe

import (
	"math"
	"sort"

	"github.com/pkg/errors"
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
