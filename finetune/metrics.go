package finetune

import (
	"fmt"
	"math"
	"strings"

	"github.com/pkg/errors"
)

// Metric names a classifier task reports, PaddleHub 1.8.1's choices. The first metric a task
// is given is its main metric, the one that picks the best model.
const (
	MetricAcc       = "acc"
	MetricF1        = "f1"
	MetricPrecision = "precision"
	MetricRecall    = "recall"
	MetricMatthews  = "matthews"
)

var knownMetrics = []string{MetricAcc, MetricF1, MetricPrecision, MetricRecall, MetricMatthews}

func checkMetrics(names []string) error {
	for _, n := range names {
		known := false
		for _, k := range knownMetrics {
			known = known || n == k
		}
		if !known {
			return errors.Errorf("unknown metric %q (want one of %s)", n, strings.Join(knownMetrics, ", "))
		}
	}
	return nil
}

// confusion accumulates a phase's predictions: the loss summed over examples and the
// binary counts with class 1 as the positive label, as PaddleHub's f1, precision, recall
// and matthews define them (over all predictions, whatever the number of classes).
type confusion struct {
	examples       int
	correct        int
	lossSum        float64
	tp, fp, tn, fn int
}

// add records one batch: its mean loss, the predicted and the true class of each example.
func (c *confusion) add(meanLoss float64, pred, label []int64) {
	c.examples += len(pred)
	c.lossSum += meanLoss * float64(len(pred))
	for i, p := range pred {
		l := label[i]
		if p == l {
			c.correct++
		}
		switch {
		case p == 1 && l == 1:
			c.tp++
		case p == 1:
			c.fp++
		case l == 1:
			c.fn++
		default:
			c.tn++
		}
	}
}

func (c *confusion) loss() float64 {
	if c.examples == 0 {
		return 0
	}
	return c.lossSum / float64(c.examples)
}

// value computes one metric; a ratio with a zero denominator is 0, as PaddleHub's are.
func (c *confusion) value(name string) float64 {
	div := func(a, b float64) float64 {
		if b == 0 {
			return 0
		}
		return a / b
	}
	tp, fp, tn, fn := float64(c.tp), float64(c.fp), float64(c.tn), float64(c.fn)
	p, r := div(tp, tp+fp), div(tp, tp+fn)
	switch name {
	case MetricAcc:
		return div(float64(c.correct), float64(c.examples))
	case MetricPrecision:
		return p
	case MetricRecall:
		return r
	case MetricF1:
		return div(2*p*r, p+r)
	case MetricMatthews:
		return div(tp*tn-fp*fn, math.Sqrt((tp+fp)*(tp+fn)*(tn+fp)*(tn+fn)))
	}
	return math.NaN()
}

// Scores are a phase's results: the mean loss and each metric.
type Scores struct {
	Loss    float64
	Metrics map[string]float64
	order   []string
}

func (c *confusion) scores(names []string) Scores {
	s := Scores{Loss: c.loss(), Metrics: map[string]float64{}, order: names}
	for _, n := range names {
		s.Metrics[n] = c.value(n)
	}
	return s
}

// String is PaddleHub's format: loss=0.23456 acc=0.91234.
func (s Scores) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "loss=%.5f", s.Loss)
	for _, n := range s.order {
		fmt.Fprintf(&b, " %s=%.5f", n, s.Metrics[n])
	}
	return b.String()
}
