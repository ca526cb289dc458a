package finetune

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/paddle/framework"
)

func loadDepthNet(t *testing.T) *framework.Program {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "strategy", "depth_net.pb"))
	require.NoError(t, err)
	p, err := framework.ParseProgram(b)
	require.NoError(t, err)
	return p
}

// TestStrategyDepthGroupsGolden: the groups PaddleHub's get_depth_parameter finds in the
// same program (gate_w, fc_0 with its bias merged, fc_1, layer_norm_0, head_w, head_b, cls).
func TestStrategyDepthGroupsGolden(t *testing.T) {
	g := loadGolden(t)
	prog := loadDepthNet(t)
	// The ProgramDesc does not keep Python's variable order; the golden list has it.
	require.ElementsMatch(t, g.DepthNet.Params, prog.Parameters())
	for _, compat := range []Compat{PaddleHub, Fixed} {
		groups, err := DepthGroups(prog, g.DepthNet.Params, compat)
		require.NoError(t, err)
		var depths []int
		for _, gr := range groups {
			depths = append(depths, gr.Depth)
			require.Equal(t, g.DepthNet.Groups[strconv.Itoa(gr.Depth)], gr.Params, "depth %d", gr.Depth)
		}
		require.Equal(t, g.DepthNet.SortedDepth, depths)
	}
}

func TestStrategyDiscriminativeGolden(t *testing.T) {
	g := loadGolden(t)
	prog := loadDepthNet(t)
	for name, c := range g.DepthNet.Discriminative {
		t.Run(name, func(t *testing.T) {
			s := CombinedStrategy{Optimizer: "sgd", LearningRate: 0.01, Compat: PaddleHub,
				Scheduler: Scheduler{Discriminative: Discriminative{Blocks: c.Scheduler.Blocks,
					Factor: c.Scheduler.Factor, ParamsLayer: c.Scheduler.ParamsLayer}}}
			plan, err := s.Resolve(PlanInput{MaxTrainSteps: 10, Program: prog, Params: g.DepthNet.Params})
			require.NoError(t, err)
			for param, want := range c.LRScale {
				require.InDeltaf(t, want, plan.LRScale(param), 1e-12*want, "%s", param)
			}
		})
	}
}

func TestStrategyGradualUnfreezeGolden(t *testing.T) {
	g := loadGolden(t)
	prog := loadDepthNet(t)
	for name, c := range g.DepthNet.GradualUnfreeze {
		t.Run(name, func(t *testing.T) {
			s := CombinedStrategy{Optimizer: "sgd", LearningRate: 0.01, Compat: PaddleHub,
				Scheduler: Scheduler{GradualUnfreeze: GradualUnfreeze{Blocks: c.Scheduler.Blocks, ParamsLayer: c.Scheduler.ParamsLayer}}}
			plan, err := s.Resolve(PlanInput{MaxTrainSteps: 10, Program: prog, Params: g.DepthNet.Params})
			require.NoError(t, err)
			for i, want := range c.FrozenByEpoch {
				require.Equalf(t, want, frozenList(plan.Frozen(i+1)), "epoch %d", i+1)
			}
		})
	}
	// What PaddleHub marks in epoch 1 of blocks=3 is what the run loop checked; PaddleHub
	// updates those parameters all the same.
	rt := g.DepthNet.UnfreezeAtRuntime
	require.Equal(t, g.DepthNet.GradualUnfreeze["blocks3"].FrozenByEpoch[0], rt.FrozenInEpoch1)
	require.Equal(t, rt.FrozenInEpoch1, rt.FrozenButUpdated)
}

func frozenList(m map[string]bool) []string {
	out := []string{}
	for p, f := range m {
		if f {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// TestStrategyDiscriminativeFixed: Fixed gives each of the k blocks ceil(n/k) groups.
func TestStrategyDiscriminativeFixed(t *testing.T) {
	prog := loadDepthNet(t)
	groups, err := DepthGroups(prog, nil, Fixed)
	require.NoError(t, err)
	require.Len(t, groups, 7) // cls, head_b, head_w, layer_norm_0, fc_1, fc_0, gate_w
	f := 1 / 2.6
	for _, c := range []struct {
		blocks int
		powers []int // per group, deepest first
	}{
		{1, []int{0, 0, 0, 0, 0, 0, 0}},
		{2, []int{0, 0, 0, 0, 1, 1, 1}},    // B = 4: PaddleHub 0,0,0,0,0,1,1
		{3, []int{0, 0, 0, 1, 1, 1, 2}},    // B = 3: PaddleHub 0,0,0,0,1,1,1
		{4, []int{0, 0, 1, 1, 2, 2, 3}},    // B = 2: PaddleHub 0,0,0,1,1,2,2
		{9, []int{0, 1, 2, 3, 4, 5, 6}},    // B = 1: PaddleHub 0,0,1,2,3,4,5
		{7, []int{0, 1, 2, 3, 4, 5, 6}},    // B = 1
		{5, []int{0, 0, 1, 1, 2, 2, 3}},    // B = 2, the fifth block empty
		{6, []int{0, 0, 1, 1, 2, 2, 3}},    // B = 2
		{8, []int{0, 1, 2, 3, 4, 5, 6}},    // B = 1
		{100, []int{0, 1, 2, 3, 4, 5, 6}},  // B = 1
		{0, []int{0, 0, 0, 0, 0, 0, 0}},    // off
		{1000, []int{0, 1, 2, 3, 4, 5, 6}}, // B = 1
	} {
		scales := discriminativeScales(Discriminative{Blocks: c.blocks, Factor: 2.6}, groups, Fixed)
		for i, gr := range groups {
			for _, p := range gr.Params {
				got, ok := scales[p]
				if !ok {
					got = 1
				}
				require.InDeltaf(t, math.Pow(f, float64(c.powers[i])), got, 1e-12, "blocks %d group %d %s", c.blocks, i, p)
			}
		}
	}
}

// TestStrategyGradualUnfreezeFixed: with more blocks than groups, Fixed still trains the
// deepest group in epoch 1, where PaddleHub trains nothing.
func TestStrategyGradualUnfreezeFixed(t *testing.T) {
	prog := loadDepthNet(t)
	s := CombinedStrategy{Scheduler: Scheduler{GradualUnfreeze: GradualUnfreeze{Blocks: 9}}}
	plan, err := s.Resolve(PlanInput{MaxTrainSteps: 10, Program: prog})
	require.NoError(t, err)
	require.Equal(t, []string{"fc_0.b_0", "fc_0.w_0", "fc_1.b_0", "fc_1.w_0", "gate_w", "head_b", "head_w",
		"layer_norm_0.b_0", "layer_norm_0.w_0"}, frozenList(plan.Frozen(1)))
	require.Equal(t, frozenList(plan.Frozen(2)), frozenList(plan.Frozen(1)), "7*2/9 = 1 group, as in epoch 1")
	require.Empty(t, plan.Frozen(9))
	require.Empty(t, plan.Frozen(10))
	require.Empty(t, plan.Frozen(0), "before the first epoch nothing is frozen")
}

// buildProgram is a program of ops over declared variables, for depth cases by hand.
func buildProgram(t *testing.T, vars []string, params []string, ops [][3][]string) *framework.Program {
	t.Helper()
	p := framework.NewProgram()
	for _, v := range vars {
		_, err := p.AddVar(v, framework.VarType_FP32, []int64{4}, slices.Contains(params, v))
		require.NoError(t, err)
	}
	for _, op := range ops {
		_, err := p.AddOp(op[0][0], framework.Slots{"X": op[1]}, framework.Slots{"Out": op[2]})
		require.NoError(t, err)
	}
	return p
}

func TestStrategyDepthGroupsCrashes(t *testing.T) {
	// Two parameters with the prefix "dup" at depth 1 and a third at depth 3: PaddleHub moves
	// dup.c twice and fails (golden: KeyError: 3).
	g := loadGolden(t)
	require.Contains(t, g.DepthNet.DupPrefix.Error, "KeyError")
	params := []string{"dup.a", "dup.b", "dup.c"}
	prog := buildProgram(t, []string{"x", "dup.a", "dup.b", "dup.c", "h1", "h2", "h3", "h4", "loss"}, params, [][3][]string{
		{{"elementwise_mul"}, {"x", "dup.a"}, {"h1"}},
		{{"elementwise_mul"}, {"x", "dup.b"}, {"h2"}},
		{{"elementwise_add"}, {"h1", "h2"}, {"h3"}},
		{{"elementwise_mul"}, {"h3", "dup.c"}, {"h4"}},
		{{"mean"}, {"h4"}, {"loss"}},
	})
	_, err := DepthGroups(prog, nil, PaddleHub)
	var ce *CompatError
	require.ErrorAs(t, err, &ce)
	groups, err := DepthGroups(prog, nil, Fixed)
	require.NoError(t, err)
	require.Equal(t, []DepthGroup{{Depth: 1, Params: []string{"dup.a", "dup.b", "dup.c"}}}, groups)

	// A parameter no op reads: PaddleHub's KeyError; Fixed leaves it out.
	prog = buildProgram(t, []string{"x", "w", "unused", "h"}, []string{"w", "unused"}, [][3][]string{
		{{"mul"}, {"x", "w"}, {"h"}},
	})
	_, err = DepthGroups(prog, nil, PaddleHub)
	require.ErrorAs(t, err, &ce)
	groups, err = DepthGroups(prog, nil, Fixed)
	require.NoError(t, err)
	require.Equal(t, []DepthGroup{{Depth: 1, Params: []string{"w"}}}, groups)
}

// TestStrategyDepthRules: hand-computed depths for the rules PaddleHub's code implies —
// feed ops skipped, later producers count as depth 1, the prefix merge only between
// neighbouring depths.
func TestStrategyDepthRules(t *testing.T) {
	params := []string{"a.w", "b", "a.b", "c.w", "mean_p"}
	prog := buildProgram(t, []string{"feed", "x", "a.w", "b", "a.b", "c.w", "mean_p", "h1", "h2", "h3", "h4", "fetch"}, params, [][3][]string{
		{{"feed"}, {"feed"}, {"x"}},                  // skipped
		{{"mul"}, {"x", "a.w"}, {"h1"}},              // depth 1
		{{"scale"}, {"h1", "h4"}, {"h2"}},            // h4 comes later: its producer counts as 1, so 2
		{{"elementwise_add"}, {"h2", "b"}, {"h3"}},   // 3
		{{"elementwise_add"}, {"h3", "a.b"}, {"h4"}}, // 4: a.b is two depths below a.w, not merged
		{{"mul"}, {"h4", "c.w"}, {"h1"}},             // 5 (writes h1 in place, after its readers)
		{{"mean"}, {"h4", "mean_p"}, {"fetch"}},      // 5
	})
	groups, err := DepthGroups(prog, params, PaddleHub)
	require.NoError(t, err)
	require.Equal(t, []DepthGroup{
		{Depth: 5, Params: []string{"c.w", "mean_p"}},
		{Depth: 4, Params: []string{"a.b"}},
		{Depth: 3, Params: []string{"b"}},
		{Depth: 1, Params: []string{"a.w"}},
	}, groups)
}
