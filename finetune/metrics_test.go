package finetune

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// Binary metrics with class 1 positive, computed by hand for 3 TP, 1 FP, 4 TN, 2 FN.
func TestConfusionMetrics(t *testing.T) {
	var c confusion
	c.add(0.5, []int64{1, 1, 1, 1, 0, 0, 0, 0}, []int64{1, 1, 1, 0, 0, 0, 0, 0})
	c.add(1.0, []int64{0, 0}, []int64{1, 1})
	s := c.scores(knownMetrics)
	require.InDelta(t, (0.5*8+1.0*2)/10, s.Loss, 1e-12, "loss weighted by examples")
	require.InDelta(t, 7.0/10, s.Metrics[MetricAcc], 1e-12)
	p, r := 3.0/4, 3.0/5
	require.InDelta(t, p, s.Metrics[MetricPrecision], 1e-12)
	require.InDelta(t, r, s.Metrics[MetricRecall], 1e-12)
	require.InDelta(t, 2*p*r/(p+r), s.Metrics[MetricF1], 1e-12)
	require.InDelta(t, (3.0*4-1*2)/math.Sqrt(4*5*5*6), s.Metrics[MetricMatthews], 1e-12)
	require.Equal(t, "loss=0.60000 acc=0.70000 f1=0.66667 precision=0.75000 recall=0.60000 matthews=0.40825", s.String())

	var none confusion
	none.add(0, []int64{0, 0}, []int64{0, 0})
	require.Zero(t, none.value(MetricF1), "no positives: 0, not NaN")
	require.Error(t, checkMetrics([]string{"acc", "auc"}))
}
