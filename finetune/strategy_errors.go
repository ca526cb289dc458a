package finetune

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// ParamError is a strategy setting gohub refuses: PaddleHub's "Invalid parameter"
// ValueError (an unknown key cannot happen with Go structs, so here it is a bad value), and
// the range checks gohub adds where PaddleHub would build a schedule that makes no sense
// (a negative rate, a warmup longer than training, a ratio that divides by zero).
type ParamError struct {
	Param  string // PaddleHub's name, e.g. "scheduler.warmup", "optimizer_name"
	Value  any
	Reason string
}

func (e *ParamError) Error() string {
	return fmt.Sprintf("finetune: invalid parameter %s = %v: %s", e.Param, e.Value, e.Reason)
}

// CompatError is raised in PaddleHub mode where PaddleHub itself fails while building the
// strategy (a ZeroDivisionError, a KeyError): reproducing PaddleHub means failing too. Fixed
// mode has no such failures.
type CompatError struct {
	Reason string
}

func (e *CompatError) Error() string {
	return "finetune: PaddleHub 1.8 fails here: " + e.Reason
}

func validateLR(lr float64) error {
	if !(lr > 0) || math.IsInf(lr, 0) {
		return &ParamError{Param: "learning_rate", Value: lr, Reason: "must be a positive number"}
	}
	return nil
}

// checkRange reports v outside [lo, hi] (or NaN) as a ParamError.
func checkRange(name string, v, lo, hi float64) error {
	if !(v >= lo && v <= hi) {
		return &ParamError{Param: name, Value: v, Reason: fmt.Sprintf("must be in [%g, %g]", lo, hi)}
	}
	return nil
}

// validateScheduler checks a scheduler whose zero-means-default fields are filled.
func validateScheduler(s Scheduler, compat Compat) error {
	checks := []error{checkRange("scheduler.warmup", s.Warmup, 0, 1)}
	if d := s.LinearDecay; d != nil {
		// A start point of 1 or more is PaddleHub's "off"; anything above 1 means the same.
		checks = append(checks,
			checkRange("scheduler.linear_decay.start_point", d.StartPoint, 0, math.MaxFloat64),
			checkRange("scheduler.linear_decay.end_learning_rate", d.EndLearningRate, 0, math.MaxFloat64))
	}
	checks = append(checks,
		checkRange("scheduler.discriminative.factor", s.Discriminative.Factor, math.SmallestNonzeroFloat64, math.MaxFloat64),
		checkRange("scheduler.slanted_triangle.cut_fraction", s.SlantedTriangle.CutFraction, 0, 1),
		checkRange("scheduler.slanted_triangle.ratio", s.SlantedTriangle.Ratio, 1, math.MaxFloat64))
	for _, e := range checks {
		if e != nil {
			return e
		}
	}
	if compat == PaddleHub && s.SlantedTriangle.Ratio != math.Trunc(s.SlantedTriangle.Ratio) {
		return &ParamError{Param: "scheduler.slanted_triangle.ratio", Value: s.SlantedTriangle.Ratio,
			Reason: "PaddleHub accepts an int only (The type of parameter ratio should be <class 'int'>)"}
	}
	if s.Discriminative.Blocks < 0 {
		return &ParamError{Param: "scheduler.discriminative.blocks", Value: s.Discriminative.Blocks, Reason: "must not be negative"}
	}
	if s.GradualUnfreeze.Blocks < 0 {
		return &ParamError{Param: "scheduler.gradual_unfreeze.blocks", Value: s.GradualUnfreeze.Blocks, Reason: "must not be negative"}
	}
	return nil
}

func validateRegularization(r Regularization) error {
	for _, c := range []struct {
		name string
		v    float64
	}{{"regularization.L2", r.L2}, {"regularization.L2SP", r.L2SP}, {"regularization.weight_decay", r.WeightDecay}} {
		if err := checkRange(c.name, c.v, 0, math.MaxFloat64); err != nil {
			return err
		}
	}
	return nil
}

func validateClip(c Clip) error {
	if err := checkRange("clip.GlobalNorm", c.GlobalNorm, 0, math.MaxFloat64); err != nil {
		return err
	}
	return checkRange("clip.Norm", c.Norm, 0, math.MaxFloat64)
}

// optimizerKinds maps PaddleHub's optimizer_name (lower-cased) to the Paddle optimizer op
// type and the keyword arguments its fluid optimizer takes (the numeric ones; flags are 0 or
// 1). PaddleHub's "adam" is also its fallback for names it does not know.
var optimizerKinds = map[string]struct {
	op       string
	kwargs   []string
	required []string
}{
	"sgd":            {op: "sgd"},
	"adagrad":        {op: "adagrad", kwargs: []string{"epsilon", "initial_accumulator_value"}},
	"adamax":         {op: "adamax", kwargs: []string{"beta1", "beta2", "epsilon"}},
	"decayedadagrad": {op: "decayed_adagrad", kwargs: []string{"decay", "epsilon"}},
	"ftrl":           {op: "ftrl", kwargs: []string{"l1", "l2", "lr_power"}},
	"larsmomentum":   {op: "lars_momentum", kwargs: []string{"momentum", "lars_coeff", "lars_weight_decay"}, required: []string{"momentum"}},
	"momentum":       {op: "momentum", kwargs: []string{"momentum", "use_nesterov"}, required: []string{"momentum"}},
	"rmsprop":        {op: "rmsprop", kwargs: []string{"rho", "epsilon", "momentum", "centered"}},
	"adam":           {op: "adam", kwargs: []string{"beta1", "beta2", "epsilon", "lazy_mode"}},
}

// resolveOptimizer returns the Paddle op type for a PaddleHub optimizer_name and checks its
// keyword arguments. PaddleHub silently uses Adam for a name it does not know ("adamw",
// "AdamW", a typo); gohub does that only in PaddleHub mode and otherwise says so.
func resolveOptimizer(name string, attrs map[string]float64, compat Compat) (string, error) {
	key := strings.ToLower(name)
	if key == "" {
		key = "adam"
	}
	kind, ok := optimizerKinds[key]
	if !ok {
		if compat == Fixed {
			known := make([]string, 0, len(optimizerKinds))
			for k := range optimizerKinds {
				known = append(known, k)
			}
			slices.Sort(known)
			return "", &ParamError{Param: "optimizer_name", Value: name,
				Reason: "unknown optimizer (PaddleHub would use adam); one of " + strings.Join(known, ", ")}
		}
		kind = optimizerKinds["adam"]
	}
	for k, v := range attrs {
		if !slices.Contains(kind.kwargs, k) {
			return "", &ParamError{Param: "optimizer kwargs." + k, Value: v,
				Reason: fmt.Sprintf("%s takes %v", kind.op, kind.kwargs)}
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return "", &ParamError{Param: "optimizer kwargs." + k, Value: v, Reason: "must be finite"}
		}
	}
	for _, k := range kind.required {
		if _, ok := attrs[k]; !ok {
			return "", &ParamError{Param: "optimizer kwargs." + k, Value: nil,
				Reason: kind.op + " needs it (PaddleHub raises TypeError without it)"}
		}
	}
	return kind.op, nil
}
