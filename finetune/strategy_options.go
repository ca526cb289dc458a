package finetune

import (
	"fmt"
	"maps"
	"slices"
)

// The key-based setters below are PaddleHub's add_scheduler, add_regularization and
// add_clip (and the dicts CombinedStrategy's constructor takes), for settings that arrive
// as names and loosely typed values: a config file, a command line. They check keys and
// types the way PaddleHub's check_assign does: an unknown key is "Invalid parameter", a
// sub-dict is merged key by key into the current value, a float setting takes any number,
// the others their own type only. Ranges are checked later, by Validate or Resolve.

// AddScheduler sets one scheduler entry: "warmup" (number), "noam_decay" (bool),
// "linear_decay" ({"start_point", "end_learning_rate"}), "discriminative" ({"blocks",
// "params_layer", "factor"}), "gradual_unfreeze" ({"blocks", "params_layer"}) or
// "slanted_triangle" ({"cut_fraction", "ratio"}). Dicts are map[string]any; params_layer
// is map[string]int or map[string]any with integer values.
func (s *CombinedStrategy) AddScheduler(name string, value any) error {
	sch := &s.Scheduler
	switch name {
	case "warmup":
		return setFloat(name, value, &sch.Warmup)
	case "noam_decay":
		b, ok := value.(bool)
		if !ok {
			return typeError(name, value, "bool")
		}
		sch.NoamDecay = b
		return nil
	case "linear_decay":
		d := LinearDecay{StartPoint: 1}
		if sch.LinearDecay != nil {
			d = *sch.LinearDecay
		}
		if err := setDict(name, value, map[string]func(any) error{
			"start_point":       func(v any) error { return setFloat(name+".start_point", v, &d.StartPoint) },
			"end_learning_rate": func(v any) error { return setFloat(name+".end_learning_rate", v, &d.EndLearningRate) },
		}); err != nil {
			return err
		}
		sch.LinearDecay = &d
		return nil
	case "discriminative":
		d := &sch.Discriminative
		return setDict(name, value, map[string]func(any) error{
			"blocks":       func(v any) error { return setInt(name+".blocks", v, &d.Blocks) },
			"params_layer": func(v any) error { return setLayers(name+".params_layer", v, &d.ParamsLayer) },
			"factor":       func(v any) error { return setFloat(name+".factor", v, &d.Factor) },
		})
	case "gradual_unfreeze":
		u := &sch.GradualUnfreeze
		return setDict(name, value, map[string]func(any) error{
			"blocks":       func(v any) error { return setInt(name+".blocks", v, &u.Blocks) },
			"params_layer": func(v any) error { return setLayers(name+".params_layer", v, &u.ParamsLayer) },
		})
	case "slanted_triangle":
		st := &sch.SlantedTriangle
		return setDict(name, value, map[string]func(any) error{
			"cut_fraction": func(v any) error { return setFloat(name+".cut_fraction", v, &st.CutFraction) },
			// PaddleHub's default ratio is the int 32, so it takes ints only.
			"ratio": func(v any) error {
				var r int
				if err := setInt(name+".ratio", v, &r); err != nil {
					return err
				}
				st.Ratio = float64(r)
				return nil
			},
		})
	}
	return invalidKey(name, value)
}

// AddRegularization sets "L2", "L2SP" or "weight_decay".
func (s *CombinedStrategy) AddRegularization(name string, value any) error {
	r := &s.Regularization
	dst := map[string]*float64{"L2": &r.L2, "L2SP": &r.L2SP, "weight_decay": &r.WeightDecay}[name]
	if dst == nil {
		return invalidKey(name, value)
	}
	return setFloat(name, value, dst)
}

// AddClip sets "GlobalNorm" or "Norm".
func (s *CombinedStrategy) AddClip(name string, value any) error {
	dst := map[string]*float64{"GlobalNorm": &s.Clip.GlobalNorm, "Norm": &s.Clip.Norm}[name]
	if dst == nil {
		return invalidKey(name, value)
	}
	return setFloat(name, value, dst)
}

func invalidKey(name string, value any) error {
	return &ParamError{Param: name, Value: value, Reason: "Invalid parameter: " + name}
}

func typeError(name string, value any, want string) error {
	return &ParamError{Param: name, Value: value, Reason: fmt.Sprintf("the type of parameter %s should be %s, not %T", name, want, value)}
}

// setDict applies a sub-dict key by key, in sorted order so that the first error is
// always the same one.
func setDict(name string, value any, setters map[string]func(any) error) error {
	m, ok := value.(map[string]any)
	if !ok {
		return typeError(name, value, fmt.Sprintf("a dict with keys %v", slices.Sorted(maps.Keys(setters))))
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		set, ok := setters[k]
		if !ok {
			return invalidKey(k, m[k])
		}
		if err := set(m[k]); err != nil {
			return err
		}
	}
	return nil
}

func setFloat(name string, value any, dst *float64) error {
	switch v := value.(type) {
	case float64:
		*dst = v
	case float32:
		*dst = float64(v)
	case int:
		*dst = float64(v)
	case int64:
		*dst = float64(v)
	default:
		return typeError(name, value, "float")
	}
	return nil
}

// setInt takes Go ints and, for values decoded from JSON, float64s that are whole numbers.
func setInt(name string, value any, dst *int) error {
	switch v := value.(type) {
	case int:
		*dst = v
	case int64:
		*dst = int(v)
	case float64:
		if v != float64(int(v)) {
			return typeError(name, value, "int")
		}
		*dst = int(v)
	default:
		return typeError(name, value, "int")
	}
	return nil
}

func setLayers(name string, value any, dst *map[string]int) error {
	switch v := value.(type) {
	case nil:
		*dst = nil
	case map[string]int:
		*dst = maps.Clone(v)
	case map[string]any:
		m := make(map[string]int, len(v))
		for k, l := range v {
			var n int
			if err := setInt(name+"."+k, l, &n); err != nil {
				return err
			}
			m[k] = n
		}
		*dst = m
	default:
		return typeError(name, value, "a dict of parameter name to layer")
	}
	return nil
}
