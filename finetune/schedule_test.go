package finetune

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestScheduleFixedRows: Fixed mode's schedule by hand, from the formulas in LRSchedule.At
// (lr0 = 0.01 throughout). The PaddleHub column is what PaddleHub computes at the same step
// (also in golden.json where the case is there), to show each difference.
func TestScheduleFixedRows(t *testing.T) {
	const lr0 = 0.01
	ld := func(start, end float64) *LinearDecay { return &LinearDecay{StartPoint: start, EndLearningRate: end} }
	type row struct {
		step          int
		fixed, paddle float64
	}
	for _, c := range []struct {
		name  string
		sched Scheduler
		T     int
		rows  []row
	}{
		{"warmup 0.2 then linear decay from 0.5 (W=4, D=10)", Scheduler{Warmup: 0.2, LinearDecay: ld(0.5, 0)}, 20, []row{
			{0, 0, 0},
			{1, 0.0025, 0.0025},
			{3, 0.0075, 0.0075},
			{4, 0.01, 0.0075}, // PaddleHub holds the warmup's last value
			{9, 0.01, 0.0075},
			{10, 0.01, 0.005}, // PaddleHub: lr0*(1-10/20), the jump
			{15, 0.005, 0.0025},
			{19, 0.001, 0.0005},
			{20, 0, 0},
			{25, 0, 0},
		}},
		{"warmup 0.2 alone", Scheduler{Warmup: 0.2}, 20, []row{
			{2, 0.005, 0.005},
			{4, 0.01, 0.0075},
			{100, 0.01, 0.0075},
		}},
		{"linear decay from 0.3 to 1e-3 (D=6)", Scheduler{LinearDecay: ld(0.3, 1e-3)}, 20, []row{
			{0, 0.01, 0.01},
			{5, 0.01, 0.01},
			{6, 0.01, 0.0073},
			{13, 0.0055, 0.00415},
			{20, 0.001, 0.001},
			{21, 0.001, 0.001},
		}},
		{"warmup over all of training, decay from its end (W=D=T=10)", Scheduler{Warmup: 1, LinearDecay: ld(0.5, 0)}, 10, []row{
			{5, 0.005, 0.005},
			{9, 0.009, 0.009},
			{10, 0, 0},
		}},
		{"slanted triangle with C = int(20*0.01) = 0", Scheduler{SlantedTriangle: SlantedTriangle{CutFraction: 0.01, Ratio: 32}}, 20, []row{
			{0, 0.01, math.NaN()}, // PaddleHub cannot build it
			{10, 0.01 * 16.5 / 32, math.NaN()},
			{20, 0.01 / 32, math.NaN()},
			{30, 0.01 / 32, math.NaN()},
		}},
		{"slanted triangle with C = T", Scheduler{SlantedTriangle: SlantedTriangle{CutFraction: 1, Ratio: 32}}, 20, []row{
			{0, 0.01 / 32, math.NaN()},
			{10, 0.01 * 16.5 / 32, math.NaN()},
			{20, 0.01, math.NaN()},
			{25, 0.01, math.NaN()},
		}},
		{"slanted triangle past T (C=2)", Scheduler{SlantedTriangle: SlantedTriangle{CutFraction: 0.1, Ratio: 32}}, 20, []row{
			{0, 0.01 / 32, 0.01 / 32},
			{2, 0.01, 0.01},
			{20, 0.01 / 32, 0.01 / 32},
			{22, 0.01 / 32, 0.01 * (1 - 2.0/18*31) / 32}, // PaddleHub keeps falling, below 0
		}},
		{"noam with warmup 0.2 and linear decay from 0 (W=4; counter = step+1)", Scheduler{Warmup: 0.2, NoamDecay: true, LinearDecay: ld(0, 0)}, 20, []row{
			{0, 0.0025, 0.0025},
			{2, 0.0075, 0.0075},
			{3, 0.01, 0.008},                      // Fixed: noam (lr0 at c=W); PaddleHub: the linear decay it kept
			{4, 0.01 * math.Sqrt(4.0/5), 0.0075},  // noam: lr0*sqrt(W/c)
			{15, 0.01 * math.Sqrt(4.0/16), 0.002}, //
			{99, 0.01 * math.Sqrt(4.0/100), 0},    //
		}},
		{"noam without warmup steps: constant", Scheduler{Warmup: 0.01, NoamDecay: true}, 20, []row{
			{0, 0.01, 0.01},
			{7, 0.01, 0.01},
		}},
	} {
		for _, compat := range []Compat{Fixed, PaddleHub} {
			s, err := NewLRSchedule(lr0, c.sched, c.T, compat)
			if compat == PaddleHub && math.IsNaN(c.rows[0].paddle) {
				var ce *CompatError
				require.ErrorAs(t, err, &ce, c.name)
				continue
			}
			require.NoError(t, err, c.name)
			for _, r := range c.rows {
				want := r.fixed
				if compat == PaddleHub {
					want = r.paddle
				}
				require.InDeltaf(t, want, s.At(r.step), 1e-12, "%s, %s, step %d", c.name, compat, r.step)
			}
		}
	}
}

// TestScheduleResolution: W, D, C from T the way Python's int() truncates float products.
func TestScheduleResolution(t *testing.T) {
	s, err := NewLRSchedule(0.5, Scheduler{Warmup: 0.29, LinearDecay: &LinearDecay{StartPoint: 0.7}}, 100, Fixed)
	require.NoError(t, err)
	require.Equal(t, 28, s.WarmupSteps) // 100*0.29 = 28.999999999999996
	require.Equal(t, 70, s.DecayStart)
	s, err = NewLRSchedule(0.5, Scheduler{Warmup: 0.25, LinearDecay: &LinearDecay{StartPoint: 0.1}}, 20, Fixed)
	require.NoError(t, err)
	require.Equal(t, 5, s.DecayStart, "the decay starts after the warmup")
	s, err = NewLRSchedule(0.5, Scheduler{Warmup: 0.1, SlantedTriangle: SlantedTriangle{CutFraction: 0.3}}, 20, Fixed)
	require.NoError(t, err)
	require.Zero(t, s.WarmupSteps, "the slanted triangle switches warmup off")
	require.Equal(t, 6, s.CutSteps)
	require.Equal(t, 32.0, s.Ratio, "ratio 0 is PaddleHub's 32")
}

func TestStrategyValidation(t *testing.T) {
	in := PlanInput{MaxTrainSteps: 10}
	bad := []CombinedStrategy{
		{LearningRate: -1},
		{LearningRate: math.NaN()},
		{LearningRate: math.Inf(1)},
		{Scheduler: Scheduler{Warmup: 1.5}},
		{Scheduler: Scheduler{Warmup: -0.1}},
		{Scheduler: Scheduler{LinearDecay: &LinearDecay{StartPoint: -1}}},
		{Scheduler: Scheduler{LinearDecay: &LinearDecay{StartPoint: 0.5, EndLearningRate: -1}}},
		{Scheduler: Scheduler{SlantedTriangle: SlantedTriangle{CutFraction: 2}}},
		{Scheduler: Scheduler{SlantedTriangle: SlantedTriangle{CutFraction: 0.1, Ratio: 0.5}}},
		{Scheduler: Scheduler{Discriminative: Discriminative{Factor: -2}}},
		{Scheduler: Scheduler{Discriminative: Discriminative{Blocks: -1}}},
		{Scheduler: Scheduler{GradualUnfreeze: GradualUnfreeze{Blocks: -1}}},
		{Regularization: Regularization{L2: -1}},
		{Regularization: Regularization{WeightDecay: math.NaN()}},
		{Clip: Clip{GlobalNorm: -1}},
		{Optimizer: "adamw"},
		{Optimizer: "momentum"},
		{Optimizer: "sgd", OptimizerAttrs: map[string]float64{"beta1": 0.9}},
		{Optimizer: "adam", OptimizerAttrs: map[string]float64{"beta1": math.NaN()}},
		{Compat: PaddleHub, Scheduler: Scheduler{SlantedTriangle: SlantedTriangle{CutFraction: 0.5, Ratio: 2.5}}},
	}
	for i, s := range bad {
		_, err := s.Resolve(in)
		var pe *ParamError
		require.ErrorAsf(t, err, &pe, "case %d", i)
		require.Error(t, s.Validate())
	}

	// What PaddleHub accepts and gohub does too.
	for _, s := range []CombinedStrategy{
		{},
		{Optimizer: "AdamW", Compat: PaddleHub}, // PaddleHub falls back to adam
		{Optimizer: "Momentum", OptimizerAttrs: map[string]float64{"momentum": 0.9, "use_nesterov": 1}},
		{Optimizer: "RMSProp", OptimizerAttrs: map[string]float64{"rho": 0.9}},
		{Scheduler: Scheduler{LinearDecay: &LinearDecay{StartPoint: 1.5}}}, // off
		{Scheduler: Scheduler{SlantedTriangle: SlantedTriangle{CutFraction: 0.5, Ratio: 2.5}}},
	} {
		p, err := s.Resolve(in)
		require.NoError(t, err, "%+v", s)
		require.NoError(t, s.Validate())
		require.NotEmpty(t, p.Optimizer)
	}
	p, err := CombinedStrategy{Optimizer: "AdamW", Compat: PaddleHub}.Resolve(in)
	require.NoError(t, err)
	require.Equal(t, "adam", p.Optimizer)
	p, err = CombinedStrategy{Optimizer: "DecayedAdagrad"}.Resolve(in)
	require.NoError(t, err)
	require.Equal(t, "decayed_adagrad", p.Optimizer)

	_, err = CombinedStrategy{}.Resolve(PlanInput{})
	var pe *ParamError
	require.ErrorAs(t, err, &pe, "no steps")
	_, err = NewULMFiTStrategy().Resolve(in)
	require.ErrorAs(t, err, &pe, "blocks need the program")
}

func TestStrategyPlanBasics(t *testing.T) {
	in := PlanInput{MaxTrainSteps: 100}
	p, err := DefaultStrategy{}.Resolve(in)
	require.NoError(t, err)
	require.Equal(t, "adam", p.Optimizer)
	require.Equal(t, 1e-4, p.LR(0))
	require.Equal(t, 1e-4, p.LR(99))
	require.Equal(t, "DefaultStrategy", p.String())
	require.Equal(t, "DefaultStrategy", DefaultStrategy{}.String())
	require.Nil(t, p.Frozen(1))
	require.Equal(t, 1.0, p.LRScale("anything"))

	p, err = NewAdamWeightDecayStrategy().Resolve(in)
	require.NoError(t, err)
	require.Equal(t, 1.0, p.ClipGlobalNorm)
	require.Equal(t, 0.01, p.WeightDecay)
	require.Equal(t, "Strategy with warmup, linear decay, weight decay regularization, GlobalNorm clip", p.String())
	require.InDelta(t, 1e-4, p.LR(10), 1e-15, "the peak where the warmup ends")
	require.InDelta(t, 0.5e-4, p.LR(55), 1e-15, "halfway down from step 10 to 100")

	// Discriminative params_layer needs no program; blocks beside it are dropped, with
	// PaddleHub's warning.
	s := CombinedStrategy{Scheduler: Scheduler{
		Discriminative:  Discriminative{Blocks: 2, ParamsLayer: map[string]int{"a": 2, "b": 1, "c": 0}},
		GradualUnfreeze: GradualUnfreeze{ParamsLayer: map[string]int{"a": 2, "b": 1, "c": 0}},
	}}
	p, err = s.Resolve(in)
	require.NoError(t, err)
	require.Len(t, p.Warnings, 1)
	require.Equal(t, 1.0, p.LRScale("a"))
	require.InDelta(t, 1/2.6, p.LRScale("b"), 1e-15)
	require.InDelta(t, 1/2.6/2.6, p.LRScale("c"), 1e-15)
	require.Equal(t, map[string]bool{"b": true, "c": true}, p.Frozen(1))
	require.Equal(t, map[string]bool{"c": true}, p.Frozen(2))
	require.Nil(t, p.Frozen(3))
	require.Nil(t, p.Frozen(4))
	require.Equal(t, "Strategy with discriminative learning rate, gradual unfreeze", p.String())

	// Clipping: GlobalNorm beats Norm.
	p, err = CombinedStrategy{Clip: Clip{GlobalNorm: 2, Norm: 3}}.Resolve(in)
	require.NoError(t, err)
	require.Equal(t, 2.0, p.ClipGlobalNorm)
	require.Zero(t, p.ClipNorm)
	p, err = CombinedStrategy{Clip: Clip{Norm: 3}}.Resolve(in)
	require.NoError(t, err)
	require.Equal(t, 3.0, p.ClipNorm)
	require.Equal(t, "Strategy with Norm clip", p.String())
	require.Equal(t, "Strategy with constant learning rate", CombinedStrategy{}.String())

	// The slanted triangle overrides the rest, with a warning; noam without warmup steps is
	// constant and not listed in Fixed mode.
	p, err = CombinedStrategy{Scheduler: Scheduler{Warmup: 0.1, NoamDecay: true,
		SlantedTriangle: SlantedTriangle{CutFraction: 0.1}}}.Resolve(in)
	require.NoError(t, err)
	require.Len(t, p.Warnings, 1)
	require.Equal(t, "Strategy with slanted triangle learning rate", p.String())
	p, err = CombinedStrategy{Scheduler: Scheduler{Warmup: 0.001, NoamDecay: true}}.Resolve(in)
	require.NoError(t, err)
	require.Equal(t, "Strategy with warmup", p.String())
	require.Len(t, p.Warnings, 1)
}

func TestStrategyL2SPAndDefaults(t *testing.T) {
	require.Equal(t, DefaultFinetuneStrategy{LearningRate: 1e-4, Optimizer: "adam", RegularizationCoeff: 1e-3}, NewDefaultFinetuneStrategy())
	p, err := NewL2SPFinetuneStrategy().Resolve(PlanInput{MaxTrainSteps: 5})
	require.NoError(t, err)
	require.Equal(t, 1e-3, p.L2SP)
	require.Zero(t, p.L2)
	require.Equal(t, "Strategy with L2SP regularization", p.String())
	u := NewULMFiTStrategy()
	require.Equal(t, 0.1, u.CutFraction)
	require.Equal(t, 3, u.DisBlocks)
	require.Equal(t, 3, u.FrzBlocks)
	require.Equal(t, "Strategy with discriminative learning rate, gradual unfreeze, slanted triangle learning rate", u.String())
}
