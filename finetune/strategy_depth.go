package finetune

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/gohub/gohub/paddle/framework"
)

// DepthGroup is a set of parameters at one graph depth, the unit of discriminative
// learning rates and gradual unfreezing with "blocks".
type DepthGroup struct {
	Depth  int
	Params []string
}

// DepthGroups is PaddleHub's get_depth_parameter over block 0 of prog (the forward program
// with its loss, before any backward or optimizer op: that is when PaddleHub looks at it).
// It returns the groups deepest first, which is the order discriminative fine-tuning and
// gradual unfreezing walk them.
//
//   - An op's depth is 1 when no op produces any of its inputs, else 1 + the largest depth
//     among the ops that produce them; a producer that comes later in the block (an in-place
//     op, or the op itself) counts as depth 1, as PaddleHub has not reached it yet.
//   - A parameter's depth is the smallest depth of the ops that consume it.
//   - Going from the shallowest depth up, a parameter at the next depth whose name shares the
//     prefix before the first "." with a parameter at this depth moves to this depth (so
//     fc_0.b_0 joins fc_0.w_0); a depth emptied by that disappears.
//
// params lists the parameters to group, in PaddleHub's iteration order (the block's
// variable order); nil means prog.Parameters(). Feed and fetch ops are skipped (PaddleHub
// strips them from a module's program before it gets here).
//
// Differences between the modes, both where PaddleHub crashes: a parameter that no op
// consumes is a KeyError in PaddleHub (CompatError here) and is left out of every group in
// Fixed mode; two parameters of one depth sharing a prefix with one at the next depth make
// PaddleHub move it twice and fail (KeyError or ValueError; CompatError here), while Fixed
// moves it once.
func DepthGroups(prog *framework.Program, params []string, compat Compat) ([]DepthGroup, error) {
	if prog == nil {
		return nil, &ParamError{Param: "program", Value: nil, Reason: "depth groups need the forward program"}
	}
	if params == nil {
		params = prog.Parameters()
	}
	var ops []*framework.OpDesc
	for _, op := range prog.Ops() {
		if t := op.GetType(); t != "feed" && t != "fetch" {
			ops = append(ops, op)
		}
	}
	producers := map[string][]int{}
	consumers := map[string][]int{}
	for i, op := range ops {
		for _, in := range op.GetInputs() {
			for _, a := range in.GetArguments() {
				consumers[a] = append(consumers[a], i)
			}
		}
		for _, out := range op.GetOutputs() {
			for _, a := range out.GetArguments() {
				producers[a] = append(producers[a], i)
			}
		}
	}
	depth := make([]int, len(ops))
	for i, op := range ops {
		parent, deepest := false, 1
		for _, in := range op.GetInputs() {
			for _, a := range in.GetArguments() {
				for _, p := range producers[a] {
					parent = true
					if p < i {
						deepest = max(deepest, depth[p])
					}
				}
			}
		}
		depth[i] = 1
		if parent {
			depth[i] = deepest + 1
		}
	}

	byDepth := map[int][]string{}
	for _, name := range params {
		cs := consumers[name]
		if len(cs) == 0 {
			if compat == PaddleHub {
				return nil, &CompatError{Reason: fmt.Sprintf("parameter %q is consumed by no op (KeyError in get_depth_parameter)", name)}
			}
			continue
		}
		d := math.MaxInt
		for _, c := range cs {
			d = min(d, depth[c])
		}
		byDepth[d] = append(byDepth[d], name)
	}
	depths := make([]int, 0, len(byDepth))
	for d := range byDepth {
		depths = append(depths, d)
	}
	slices.Sort(depths)

	prefix := func(name string) string {
		p, _, _ := strings.Cut(name, ".")
		return p
	}
	updated := map[int][]string{}
	for d, ps := range byDepth {
		updated[d] = slices.Clone(ps)
	}
	for i, d := range depths[:max(len(depths)-1, 0)] {
		if _, ok := updated[d]; !ok {
			continue
		}
		next := depths[i+1]
		moved := map[string]bool{}
		for _, p := range byDepth[d] {
			for _, q := range byDepth[next] {
				if prefix(p) != prefix(q) {
					continue
				}
				if moved[q] {
					if compat == PaddleHub {
						return nil, &CompatError{Reason: fmt.Sprintf(
							"parameter %q shares its prefix with several parameters of the depth above and is moved twice (KeyError or ValueError in get_depth_parameter)", q)}
					}
					continue
				}
				moved[q] = true
				updated[d] = append(updated[d], q)
				updated[next] = slices.DeleteFunc(updated[next], func(s string) bool { return s == q })
				if len(updated[next]) == 0 {
					delete(updated, next)
				}
			}
		}
	}
	groups := make([]DepthGroup, 0, len(updated))
	for _, d := range slices.Backward(depths) {
		if ps, ok := updated[d]; ok {
			groups = append(groups, DepthGroup{Depth: d, Params: ps})
		}
	}
	return groups, nil
}

// discriminativeScales returns the learning-rate multiplier of each parameter that
// discriminative fine-tuning scales (those it leaves at 1 may be missing).
//
// With ParamsLayer: (1/factor)^(max_layer - layer). With blocks = k over the n groups
// (deepest first), B = ceil(n/k): Fixed gives group i the power floor(i/B), so the k
// blocks have B groups each (the last one the rest). PaddleHub raises the power only after
// group i with i > 0 and i % B == 0, so its top block has B+1 groups and the rest shift by
// one (with 7 groups and k = 3: 4, 3 and no third block); PaddleHub mode reproduces that.
func discriminativeScales(d Discriminative, groups []DepthGroup, compat Compat) map[string]float64 {
	scales := map[string]float64{}
	switch {
	case len(d.ParamsLayer) > 0:
		top := maxLayer(d.ParamsLayer)
		for name, layer := range d.ParamsLayer {
			scales[name] = math.Pow(1/d.Factor, float64(top-layer))
		}
	case d.Blocks > 0 && len(groups) > 0:
		per := (len(groups) + d.Blocks - 1) / d.Blocks
		power := 0
		for i, g := range groups {
			if compat == Fixed {
				power = i / per
			}
			for _, p := range g.Params {
				scales[p] = math.Pow(1/d.Factor, float64(power))
			}
			if compat == PaddleHub && i > 0 && i%per == 0 {
				power++
			}
		}
	}
	return scales
}

func maxLayer(m map[string]int) int {
	top := math.MinInt
	for _, l := range m {
		top = max(top, l)
	}
	return top
}

// frozenAt replays PaddleHub's strategy.step() for epochs 1..epoch and returns the
// parameters it leaves with stop_gradient set (nil when none).
//
// With blocks = k, epoch e <= k unfreezes the deepest floor(n*e/k) of the n groups and
// freezes the others; later epochs change nothing (all are unfrozen by epoch k). When
// n < k, PaddleHub's first epoch unfreezes floor(n/k) = 0 groups and so trains nothing; Fixed
// unfreezes at least the deepest group. With ParamsLayer, epoch e (0-based index e-1 <=
// max_layer) trains the listed parameters with layer >= max_layer-(e-1) and freezes the other
// listed ones; unlisted parameters are never frozen.
func frozenAt(u GradualUnfreeze, groups []DepthGroup, epoch int, compat Compat) map[string]bool {
	state := map[string]bool{}
	switch {
	case u.Blocks > 0:
		n := len(groups)
		for e := 1; e <= min(epoch, u.Blocks) && n > 0; e++ {
			open := n * e / u.Blocks
			if compat == Fixed {
				open = max(open, 1)
			}
			for i, g := range groups {
				for _, p := range g.Params {
					state[p] = i >= open
				}
			}
		}
	case len(u.ParamsLayer) > 0:
		top := maxLayer(u.ParamsLayer)
		for e := 0; e < epoch && e <= top; e++ {
			for name, layer := range u.ParamsLayer {
				state[name] = layer < top-e
			}
		}
	}
	var frozen map[string]bool
	for p, f := range state {
		if f {
			if frozen == nil {
				frozen = map[string]bool{}
			}
			frozen[p] = true
		}
	}
	return frozen
}
