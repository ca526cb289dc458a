package finetune

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// The golden values come from PaddleHub 1.8.3's strategy.py running on PaddlePaddle 1.8.5
// (scripts/oracle/strategy_run.sh); finetune/testdata/strategy/README.md describes them.

type goldenLRCase struct {
	Strategy      string          `json:"strategy"`
	Kwargs        json.RawMessage `json:"kwargs"`
	MaxTrainSteps int             `json:"max_train_steps"`
	LR            []float64       `json:"lr"`
	Error         string          `json:"error"`
	Str           string          `json:"str"`
}

type goldenStrategy struct {
	Resolved struct {
		Scheduler      map[string]any     `json:"scheduler"`
		Regularization map[string]float64 `json:"regularization"`
		Clip           map[string]float64 `json:"clip"`
	} `json:"resolved"`
	StrBefore string `json:"str_before_execute"`
	StrAfter  string `json:"str_after_execute"`
	Error     string `json:"error"`
}

type goldenFile struct {
	Versions   map[string]string         `json:"versions"`
	LRCases    map[string]goldenLRCase   `json:"lr_cases"`
	Strategies map[string]goldenStrategy `json:"strategies"`
	DepthNet   struct {
		Params         []string            `json:"params"`
		Groups         map[string][]string `json:"groups"`
		SortedDepth    []int               `json:"sorted_depth"`
		Discriminative map[string]struct {
			Scheduler struct {
				Blocks      int            `json:"blocks"`
				Factor      float64        `json:"factor"`
				ParamsLayer map[string]int `json:"params_layer"`
			} `json:"scheduler"`
			LRScale map[string]float64 `json:"lr_scale"`
		} `json:"discriminative"`
		GradualUnfreeze map[string]struct {
			Scheduler struct {
				Blocks      int            `json:"blocks"`
				ParamsLayer map[string]int `json:"params_layer"`
			} `json:"scheduler"`
			FrozenByEpoch [][]string `json:"frozen_by_epoch"`
		} `json:"gradual_unfreeze"`
		UnfreezeAtRuntime struct {
			FrozenInEpoch1   []string `json:"frozen_in_epoch1"`
			FrozenButUpdated []string `json:"frozen_but_updated"`
		} `json:"unfreeze_at_runtime"`
		DupPrefix struct {
			Error string `json:"error"`
		} `json:"dup_prefix"`
	} `json:"depth_net"`
	WeightDecay struct {
		LR          float64 `json:"lr"`
		WeightDecay float64 `json:"weight_decay"`
		ParamBefore float64 `json:"param_before"`
		Grad        float64 `json:"grad"`
		ParamAfter  float64 `json:"param_after"`
		BiasBefore  float64 `json:"bias_before"`
		BiasAfter   float64 `json:"bias_after"`
	} `json:"weight_decay"`
}

func loadGolden(t *testing.T) *goldenFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "strategy", "golden.json"))
	require.NoError(t, err)
	var g goldenFile
	require.NoError(t, json.Unmarshal(b, &g))
	require.Equal(t, "1.8.3", g.Versions["paddlehub"])
	return &g
}

// schedulerFromDict is CombinedStrategy's check_assign over a scheduler dict, for the keys
// the golden cases use.
func schedulerFromDict(t *testing.T, d map[string]any) Scheduler {
	t.Helper()
	var s Scheduler
	for k, v := range d {
		switch k {
		case "warmup":
			s.Warmup = v.(float64)
		case "noam_decay":
			s.NoamDecay = v.(bool)
		case "linear_decay":
			m := v.(map[string]any)
			s.LinearDecay = &LinearDecay{StartPoint: m["start_point"].(float64), EndLearningRate: m["end_learning_rate"].(float64)}
		case "slanted_triangle":
			m := v.(map[string]any)
			s.SlantedTriangle = SlantedTriangle{CutFraction: m["cut_fraction"].(float64), Ratio: m["ratio"].(float64)}
		default:
			t.Fatalf("scheduler key %q not handled by the test", k)
		}
	}
	return s
}

// goldenStrategyOf builds the Go strategy a golden LR case ran in PaddleHub.
func goldenStrategyOf(t *testing.T, c goldenLRCase, compat Compat) Strategy {
	t.Helper()
	var kw struct {
		LearningRate  float64        `json:"learning_rate"`
		OptimizerName string         `json:"optimizer_name"`
		Scheduler     map[string]any `json:"scheduler"`
		LRScheduler   string         `json:"lr_scheduler"`
		DisBlocks     *int           `json:"dis_blocks"`
		FrzBlocks     *int           `json:"frz_blocks"`
	}
	require.NoError(t, json.Unmarshal(c.Kwargs, &kw))
	switch c.Strategy {
	case "CombinedStrategy":
		return CombinedStrategy{LearningRate: kw.LearningRate, Optimizer: kw.OptimizerName,
			Scheduler: schedulerFromDict(t, kw.Scheduler), Compat: compat}
	case "AdamWeightDecayStrategy":
		s := NewAdamWeightDecayStrategy()
		s.LearningRate, s.Compat = kw.LearningRate, compat
		if kw.LRScheduler != "" {
			s.LRScheduler = kw.LRScheduler
		}
		return s
	case "ULMFiTStrategy":
		s := NewULMFiTStrategy()
		s.LearningRate, s.Compat = kw.LearningRate, compat
		s.DisBlocks, s.FrzBlocks = *kw.DisBlocks, *kw.FrzBlocks
		return s
	}
	t.Fatalf("strategy %q not handled by the test", c.Strategy)
	return nil
}

// closeF32 is equality up to PaddleHub's float32 arithmetic: a few ulps of the base rate.
func closeF32(want, got, scale float64) bool {
	d := want - got
	return d <= 4e-7*scale && -d <= 4e-7*scale
}

// TestStrategyGoldenLR checks PaddleHub mode against every step PaddleHub's ops computed.
func TestStrategyGoldenLR(t *testing.T) {
	g := loadGolden(t)
	require.NotEmpty(t, g.LRCases)
	for name, c := range g.LRCases {
		t.Run(name, func(t *testing.T) {
			s := goldenStrategyOf(t, c, PaddleHub)
			plan, err := s.Resolve(PlanInput{MaxTrainSteps: c.MaxTrainSteps})
			if c.Error != "" {
				var ce *CompatError
				require.ErrorAs(t, err, &ce, "PaddleHub failed with %s", c.Error)
				return
			}
			require.NoError(t, err)
			lr0 := plan.Schedule.LearningRate
			for step, want := range c.LR {
				got := plan.LR(step)
				require.Truef(t, closeF32(want, got, lr0), "step %d: PaddleHub %.9g, gohub %.9g", step, want, got)
			}
			require.Equal(t, c.Str, plan.String())
			require.Equal(t, c.Str, s.String())
		})
	}
}

// TestStrategyGoldenFixedAgrees checks that Fixed mode agrees with PaddleHub wherever
// PaddleHub is not wrong: the warmup steps, the whole of every decay that starts where the
// warmup ends, noam, and the slanted triangle up to T.
func TestStrategyGoldenFixedAgrees(t *testing.T) {
	g := loadGolden(t)
	for _, name := range []string{"linear_from_zero", "noam_warmup", "noam_no_warmup", "noam_beats_linear",
		"slanted", "slanted_ratio_5", "slanted_beats_rest", "ulmfit_default", "adamw_noam", "constant"} {
		c := g.LRCases[name]
		plan, err := goldenStrategyOf(t, c, Fixed).Resolve(PlanInput{MaxTrainSteps: c.MaxTrainSteps})
		require.NoError(t, err, name)
		for step, want := range c.LR[:min(len(c.LR), c.MaxTrainSteps+1)] {
			require.Truef(t, closeF32(want, plan.LR(step), plan.Schedule.LearningRate), "%s step %d", name, step)
		}
	}
}

func TestStrategyGoldenConstructors(t *testing.T) {
	g := loadGolden(t)
	check := func(name string, c CombinedStrategy) {
		t.Helper()
		want := g.Strategies[name]
		n, _, err := c.normalize()
		require.NoError(t, err)
		sch := want.Resolved.Scheduler
		require.Equal(t, sch["warmup"], n.Scheduler.Warmup, name)
		require.Equal(t, sch["noam_decay"], n.Scheduler.NoamDecay, name)
		ld := sch["linear_decay"].(map[string]any)
		if ld["start_point"].(float64) < 1 {
			require.NotNil(t, n.Scheduler.LinearDecay, name)
			require.Equal(t, ld["start_point"], n.Scheduler.LinearDecay.StartPoint, name)
			require.Equal(t, ld["end_learning_rate"], n.Scheduler.LinearDecay.EndLearningRate, name)
		} else {
			require.False(t, n.Scheduler.linearDecayOn(), name)
		}
		st := sch["slanted_triangle"].(map[string]any)
		require.Equal(t, st["cut_fraction"], n.Scheduler.SlantedTriangle.CutFraction, name)
		require.Equal(t, st["ratio"], n.Scheduler.SlantedTriangle.Ratio, name)
		disc := sch["discriminative"].(map[string]any)
		require.Equal(t, disc["blocks"], float64(n.Scheduler.Discriminative.Blocks), name)
		require.Equal(t, disc["factor"], n.Scheduler.Discriminative.Factor, name)
		frz := sch["gradual_unfreeze"].(map[string]any)
		require.Equal(t, frz["blocks"], float64(n.Scheduler.GradualUnfreeze.Blocks), name)
		require.Equal(t, want.Resolved.Regularization,
			map[string]float64{"L2": n.Regularization.L2, "L2SP": n.Regularization.L2SP, "weight_decay": n.Regularization.WeightDecay}, name)
		require.Equal(t, want.Resolved.Clip, map[string]float64{"GlobalNorm": n.Clip.GlobalNorm, "Norm": n.Clip.Norm}, name)
		c.Compat = PaddleHub
		require.Equal(t, want.StrBefore, c.String(), name)
	}
	check("DefaultFinetuneStrategy", NewDefaultFinetuneStrategy().Combined())
	check("L2SPFinetuneStrategy", NewL2SPFinetuneStrategy().Combined())
	adamw, err := NewAdamWeightDecayStrategy().Combined()
	require.NoError(t, err)
	check("AdamWeightDecayStrategy", adamw)
	noam := NewAdamWeightDecayStrategy()
	noam.LRScheduler = "noam_decay"
	adamwNoam, err := noam.Combined()
	require.NoError(t, err)
	check("AdamWeightDecayStrategy_noam", adamwNoam)
	check("ULMFiTStrategy", NewULMFiTStrategy().Combined())
	check("Combined_all", CombinedStrategy{
		Scheduler: Scheduler{Warmup: 0.1, LinearDecay: &LinearDecay{StartPoint: 0.2},
			Discriminative: Discriminative{Blocks: 2}, GradualUnfreeze: GradualUnfreeze{Blocks: 2}},
		Regularization: Regularization{L2: 0.1, L2SP: 0.2, WeightDecay: 0.3},
		Clip:           Clip{GlobalNorm: 1, Norm: 2},
	})

	bad := NewAdamWeightDecayStrategy()
	bad.LRScheduler = "cosine"
	_, err = bad.Resolve(PlanInput{MaxTrainSteps: 10})
	var pe *ParamError
	require.ErrorAs(t, err, &pe)
	require.Contains(t, err.Error(), g.Strategies["AdamWeightDecayStrategy_bad_scheduler"].Error)
}

// TestStrategyGoldenWeightDecay: PaddleHub decays the parameter after the optimizer's
// update, param = updated*(1 - wd*lr), and leaves biases alone.
func TestStrategyGoldenWeightDecay(t *testing.T) {
	wd := loadGolden(t).WeightDecay
	updated := wd.ParamBefore - wd.LR*wd.Grad
	require.InDelta(t, updated*(1-wd.WeightDecay*wd.LR), wd.ParamAfter, 1e-6)
	require.Greater(t, abs(updated-wd.WeightDecay*wd.LR*wd.ParamBefore-wd.ParamAfter), 1e-3)
	require.InDelta(t, wd.BiasBefore-wd.LR*0.5, wd.BiasAfter, 1e-6) // d mean / d b = 0.5 per element

	c := CombinedStrategy{Optimizer: "sgd", LearningRate: wd.LR, Regularization: Regularization{WeightDecay: wd.WeightDecay}}
	p, err := c.Resolve(PlanInput{MaxTrainSteps: 10})
	require.NoError(t, err)
	require.False(t, p.DecayUpdated)
	c.Compat = PaddleHub
	p, err = c.Resolve(PlanInput{MaxTrainSteps: 10})
	require.NoError(t, err)
	require.True(t, p.DecayUpdated)
	require.True(t, p.DecaysWeight("w"))
	require.False(t, p.DecaysWeight("w_b"))
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
