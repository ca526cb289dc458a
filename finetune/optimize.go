package finetune

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/pkg/errors"

	"github.com/gohub/gohub/paddle/framework"
)

// stateVar is a persistable the update part adds, with its starting value: an optimizer
// accumulator, a learning rate, or an L2SP starting point (a copy of the parameter).
type stateVar struct {
	name   string
	dims   []int64
	fill   float32 // every element, unless copyOf is set
	copyOf string
}

// update is what appendUpdate added.
type update struct {
	state  []stateVar
	lrVars map[string]float64 // learning-rate variable → multiplier of the step's base rate
}

// paramGrad is a parameter and its gradient variable.
type paramGrad struct{ param, grad string }

// baseLR is the variable holding the step's base learning rate, set from Go before each
// step (a [1] tensor, as Paddle's optimizers take it).
const baseLR = "learning_rate_0"

// appendUpdate appends what Paddle's minimize and PaddleHub's strategy append after the
// backward part, in the plan's order for each gradient: clipping, regularisation, the
// optimizer at the parameter's rate, decoupled weight decay. pretrained are the module's
// parameters, the ones L2SP pulls back to their start.
func appendUpdate(p *framework.Program, grads []paramGrad, plan *Plan, pretrained map[string]bool) (*update, error) {
	u := &update{lrVars: map[string]float64{}}
	b := builder{p: p}
	dimsOf := func(name string) []int64 { return p.Var(name).GetType().GetLodTensor().GetTensor().GetDims() }
	tmp := func(base, what string, dims []int64) string {
		name := base + "@" + what
		b.decl(name, framework.VarType_FP32, dims, false)
		return name
	}
	scale := func(x, out string, by float64) {
		b.op("scale", framework.Slots{"X": {x}}, framework.Slots{"Out": {out}},
			framework.FloatAttr("scale", float32(by)), framework.FloatAttr("bias", 0),
			framework.BoolAttr("bias_after_scale", true))
	}
	binary := func(typ, x, y, out string) {
		b.op(typ, framework.Slots{"X": {x}, "Y": {y}}, framework.Slots{"Out": {out}}, framework.IntAttr("axis", -1))
	}
	lrVar := func(mult float64) string {
		name := baseLR
		if mult != 1 {
			name += "@x" + strconv.FormatFloat(mult, 'g', 6, 64)
		}
		if _, ok := u.lrVars[name]; !ok {
			u.lrVars[name] = mult
			b.decl(name, framework.VarType_FP32, []int64{1}, true)
		}
		return name
	}
	lrVar(1)
	sort.Slice(grads, func(i, j int) bool { return grads[i].param < grads[j].param })
	final := make([]string, len(grads))
	for i, g := range grads {
		final[i] = g.grad
	}

	// Clipping: by the global norm of all gradients (ClipGradByGlobalNorm:
	// g * clip / max(norm, clip)), or each gradient by its own norm (clip_by_norm).
	switch {
	case plan.ClipGlobalNorm > 0:
		squares := make([]string, len(grads))
		for i, g := range grads {
			squares[i] = tmp(g.grad, "SQUARED_NORM", []int64{1})
			b.op("squared_l2_norm", framework.Slots{"X": {g.grad}}, framework.Slots{"Out": {squares[i]}})
		}
		sum, norm := tmp("global_norm", "SUM", []int64{1}), tmp("global_norm", "SQRT", []int64{1})
		clip, denom, factor := tmp("global_norm", "CLIP", []int64{1}), tmp("global_norm", "MAX", []int64{1}), tmp("global_norm", "SCALE", []int64{1})
		b.op("sum", framework.Slots{"X": squares}, framework.Slots{"Out": {sum}})
		b.op("sqrt", framework.Slots{"X": {sum}}, framework.Slots{"Out": {norm}})
		b.op("fill_constant", nil, framework.Slots{"Out": {clip}},
			framework.IntsAttr("shape", 1), framework.FloatAttr("value", float32(plan.ClipGlobalNorm)),
			framework.IntAttr("dtype", int32(framework.VarType_FP32)))
		binary("elementwise_max", norm, clip, denom)
		binary("elementwise_div", clip, denom, factor)
		for i, g := range grads {
			final[i] = tmp(g.grad, "CLIPPED", dimsOf(g.param))
			binary("elementwise_mul", g.grad, factor, final[i])
		}
	case plan.ClipNorm > 0:
		for i, g := range grads {
			final[i] = tmp(g.grad, "CLIPPED", dimsOf(g.param))
			b.op("clip_by_norm", framework.Slots{"X": {g.grad}}, framework.Slots{"Out": {final[i]}},
				framework.FloatAttr("max_norm", float32(plan.ClipNorm)))
		}
	}

	for i, g := range grads {
		grad := final[i]
		dims := dimsOf(g.param)
		// Regularisation: L2SP on pretrained parameters, else L2 (one regulariser each).
		switch {
		case plan.L2SP > 0 && pretrained[g.param]:
			start := g.param + "@L2SP_START"
			b.decl(start, framework.VarType_FP32, dims, true)
			u.state = append(u.state, stateVar{name: start, dims: dims, copyOf: g.param})
			diff, decay, sum := tmp(g.param, "L2SP_DIFF", dims), tmp(g.param, "L2SP_DECAY", dims), tmp(g.param, "GRAD_L2SP", dims)
			binary("elementwise_sub", g.param, start, diff)
			scale(diff, decay, plan.L2SP)
			b.op("sum", framework.Slots{"X": {grad, decay}}, framework.Slots{"Out": {sum}})
			grad = sum
		case plan.L2 > 0:
			decay, sum := tmp(g.param, "L2_DECAY", dims), tmp(g.param, "GRAD_L2", dims)
			scale(g.param, decay, plan.L2)
			b.op("sum", framework.Slots{"X": {grad, decay}}, framework.Slots{"Out": {sum}})
			grad = sum
		}
		// Decoupled weight decay, param -= wd * lr * base: base is the parameter before the
		// update (or after it, PaddleHub's arithmetic, when the plan says so).
		decays := plan.WeightDecay > 0 && plan.DecaysWeight(g.param)
		wdTerm := ""
		decayTerm := func() {
			scaled := tmp(g.param, "WD_SCALED", dims)
			wdTerm = tmp(g.param, "WD_TERM", dims)
			scale(g.param, scaled, plan.WeightDecay)
			binary("elementwise_mul", scaled, baseLR, wdTerm)
		}
		if decays && !plan.DecayUpdated {
			decayTerm()
		}
		if err := appendOptimizerOp(&b, u, plan, g.param, grad, lrVar(plan.LRScale(g.param)), dims); err != nil {
			return nil, err
		}
		if decays && plan.DecayUpdated {
			decayTerm()
		}
		if decays {
			binary("elementwise_sub", g.param, wdTerm, g.param)
		}
	}
	return u, b.err
}

// appendOptimizerOp appends one parameter's optimizer op with Paddle's accumulator names
// (<param>_moment1_0, <param>_beta1_pow_acc_0, <param>_velocity_0).
func appendOptimizerOp(b *builder, u *update, plan *Plan, param, grad, lr string, dims []int64) error {
	attr := func(name string, def float64) float64 {
		if v, ok := plan.OptimizerAttrs[name]; ok {
			return v
		}
		return def
	}
	acc := func(suffix string, dims []int64, fill float64) string {
		name := fmt.Sprintf("%s_%s_0", param, suffix)
		b.decl(name, framework.VarType_FP32, dims, true)
		u.state = append(u.state, stateVar{name: name, dims: dims, fill: float32(fill)})
		return name
	}
	switch plan.Optimizer {
	case "sgd":
		b.op("sgd", framework.Slots{"Param": {param}, "Grad": {grad}, "LearningRate": {lr}},
			framework.Slots{"ParamOut": {param}})
	case "momentum":
		v := acc("velocity", dims, 0)
		b.op("momentum", framework.Slots{"Param": {param}, "Grad": {grad}, "Velocity": {v}, "LearningRate": {lr}},
			framework.Slots{"ParamOut": {param}, "VelocityOut": {v}},
			framework.FloatAttr("mu", float32(attr("momentum", 0))),
			framework.BoolAttr("use_nesterov", attr("use_nesterov", 0) != 0))
	case "adam":
		beta1, beta2 := attr("beta1", 0.9), attr("beta2", 0.999)
		m1, m2 := acc("moment1", dims, 0), acc("moment2", dims, 0)
		p1, p2 := acc("beta1_pow_acc", []int64{1}, beta1), acc("beta2_pow_acc", []int64{1}, beta2)
		b.op("adam",
			framework.Slots{"Param": {param}, "Grad": {grad}, "LearningRate": {lr}, "Moment1": {m1},
				"Moment2": {m2}, "Beta1Pow": {p1}, "Beta2Pow": {p2}},
			framework.Slots{"ParamOut": {param}, "Moment1Out": {m1}, "Moment2Out": {m2},
				"Beta1PowOut": {p1}, "Beta2PowOut": {p2}},
			framework.FloatAttr("beta1", float32(beta1)), framework.FloatAttr("beta2", float32(beta2)),
			framework.FloatAttr("epsilon", float32(attr("epsilon", 1e-8))),
			framework.BoolAttr("lazy_mode", attr("lazy_mode", 0) != 0))
	default:
		return errors.Errorf("optimizer %s: gohub trains with adam, sgd or momentum so far", plan.Optimizer)
	}
	return nil
}
