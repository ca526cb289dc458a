package finetune

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestStrategyAddOptions(t *testing.T) {
	var s CombinedStrategy
	// The dicts as they come from JSON: numbers are float64.
	var sched map[string]any
	require.NoError(t, json.Unmarshal([]byte(`{
		"warmup": 0.1,
		"linear_decay": {"start_point": 0.2},
		"discriminative": {"blocks": 3, "params_layer": {"a": 1}},
		"gradual_unfreeze": {"params_layer": null},
		"slanted_triangle": {"ratio": 16},
		"noam_decay": false}`), &sched))
	for k, v := range sched {
		require.NoError(t, s.AddScheduler(k, v), k)
	}
	require.Equal(t, Scheduler{Warmup: 0.1, LinearDecay: &LinearDecay{StartPoint: 0.2},
		Discriminative:  Discriminative{Blocks: 3, ParamsLayer: map[string]int{"a": 1}},
		SlantedTriangle: SlantedTriangle{Ratio: 16}}, s.Scheduler)
	// A sub-dict merges into what is there.
	require.NoError(t, s.AddScheduler("linear_decay", map[string]any{"end_learning_rate": 1e-5}))
	require.Equal(t, LinearDecay{StartPoint: 0.2, EndLearningRate: 1e-5}, *s.Scheduler.LinearDecay)
	require.NoError(t, s.AddRegularization("L2", 1e-3))
	require.NoError(t, s.AddRegularization("weight_decay", 1))
	require.NoError(t, s.AddClip("GlobalNorm", 1.0))
	require.Equal(t, Regularization{L2: 1e-3, WeightDecay: 1}, s.Regularization)
	require.Equal(t, Clip{GlobalNorm: 1}, s.Clip)

	g := loadGolden(t)
	var pe *ParamError
	err := s.AddScheduler("warm_up", 0.1)
	require.ErrorAs(t, err, &pe)
	require.Contains(t, err.Error(), g.Strategies["Combined_unknown_key"].Error)
	for _, bad := range []struct {
		name  string
		value any
	}{
		{"noam_decay", 1},
		{"warmup", "0.1"},
		{"linear_decay", 0.5},
		{"linear_decay", map[string]any{"start": 0.5}},
		{"discriminative", map[string]any{"blocks": 2.5}},
		{"slanted_triangle", map[string]any{"ratio": 2.5}},
		{"gradual_unfreeze", map[string]any{"params_layer": []string{"a"}}},
	} {
		require.ErrorAs(t, s.AddScheduler(bad.name, bad.value), &pe, "%s %v", bad.name, bad.value)
	}
	require.ErrorAs(t, s.AddRegularization("l2", 1.0), &pe)
	require.ErrorAs(t, s.AddClip("norm", 1.0), &pe)
	require.ErrorAs(t, s.AddClip("Norm", true), &pe)
}
