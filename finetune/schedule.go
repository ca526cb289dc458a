package finetune

import (
	"fmt"
	"math"
)

// Compat chooses between PaddleHub 1.8's strategies as they behave, bugs included, and
// gohub's corrected behaviour. The zero value is the corrected one: PaddleHub's results are
// a definition to test against and a way to reproduce an old run, not something a new run
// should inherit. Every difference is listed where it applies (LRSchedule.At, DepthGroups,
// Plan).
type Compat int

const (
	// Fixed is gohub's behaviour: PaddleHub's formulas where they are right, corrected where
	// they are not.
	Fixed Compat = iota
	// PaddleHub reproduces PaddleHub 1.8.3 on PaddlePaddle 1.8.5 step for step, as recorded
	// in finetune/testdata/strategy/golden.json from PaddleHub itself.
	PaddleHub
)

func (c Compat) String() string {
	switch c {
	case Fixed:
		return "fixed"
	case PaddleHub:
		return "paddlehub"
	}
	return fmt.Sprintf("Compat(%d)", int(c))
}

// Scheduler is CombinedStrategy's scheduler dict. Its zero value is PaddleHub's default: a
// constant learning rate, nothing discriminative, nothing frozen.
type Scheduler struct {
	// Warmup is the fraction of the training steps over which the rate rises linearly from
	// 0: W = int(T*Warmup) steps.
	Warmup float64
	// LinearDecay, when set with StartPoint < 1, decays the rate linearly to EndLearningRate
	// at the last step; nil is PaddleHub's {"start_point": 1.0}, no decay.
	LinearDecay *LinearDecay
	// NoamDecay is Paddle's noam_decay scaled so that it peaks at the learning rate when the
	// warmup ends; it needs Warmup > 0 (without it PaddleHub keeps the rate constant).
	NoamDecay bool
	// Discriminative gives shallower parameters smaller rates.
	Discriminative Discriminative
	// GradualUnfreeze trains the deepest parameters first and adds shallower ones epoch by
	// epoch.
	GradualUnfreeze GradualUnfreeze
	// SlantedTriangle is ULMFiT's schedule: a short linear rise and a long linear fall. It
	// switches Warmup, NoamDecay and LinearDecay off.
	SlantedTriangle SlantedTriangle
}

// LinearDecay is the scheduler's linear_decay entry.
type LinearDecay struct {
	// StartPoint is the fraction of the training steps after which the decay starts:
	// D = max(int(T*StartPoint), W). 1 (or more) means no decay.
	StartPoint float64
	// EndLearningRate is the rate at the last step and after it.
	EndLearningRate float64
}

// Discriminative is the scheduler's discriminative entry: per-parameter learning-rate
// multipliers that shrink by Factor per group, from the deepest group (multiplier 1) to the
// shallowest. Either Blocks groups of the parameters' depths (see DepthGroups) or explicit
// ParamsLayer layer numbers, the highest layer getting multiplier 1; ParamsLayer wins when
// both are set, as in PaddleHub.
type Discriminative struct {
	Blocks      int
	ParamsLayer map[string]int
	// Factor is the ratio of the rates of neighbouring groups; 0 means PaddleHub's 2.6.
	Factor float64
}

// GradualUnfreeze is the scheduler's gradual_unfreeze entry: with Blocks = k, epoch e
// (1-based, e <= k) trains the deepest floor(n*e/k) of the n depth groups and freezes the
// rest; with ParamsLayer, epoch e trains the listed parameters whose layer is at least
// max_layer-(e-1). ParamsLayer wins when both are set, as in PaddleHub.
type GradualUnfreeze struct {
	Blocks      int
	ParamsLayer map[string]int
}

// SlantedTriangle is the scheduler's slanted_triangle entry: the rate rises linearly from
// lr/Ratio to lr over the first C = int(T*CutFraction) steps and falls back to lr/Ratio at
// the last step. CutFraction 0 means off.
type SlantedTriangle struct {
	CutFraction float64
	// Ratio is the peak rate over the lowest; 0 means PaddleHub's 32.
	Ratio float64
}

const (
	defaultFactor = 2.6
	defaultRatio  = 32
)

// withDefaults fills the zero values that stand for PaddleHub's defaults.
func (s Scheduler) withDefaults() Scheduler {
	if s.Discriminative.Factor == 0 {
		s.Discriminative.Factor = defaultFactor
	}
	if s.SlantedTriangle.Ratio == 0 {
		s.SlantedTriangle.Ratio = defaultRatio
	}
	return s
}

func (s Scheduler) linearDecayOn() bool {
	return s.LinearDecay != nil && s.LinearDecay.StartPoint < 1
}

// resolve applies CombinedStrategy's conflict rules, in PaddleHub's order, and returns the
// scheduler that takes effect with a line for each rule that fired (PaddleHub's warnings).
// The only difference between the modes: PaddleHub lets a linear decay with StartPoint 0
// stand beside noam decay (it tests start_point for truth), and then the linear decay wins
// after the warmup; Fixed lets noam win whatever the start point.
func (s Scheduler) resolve(compat Compat) (Scheduler, []string) {
	var warn []string
	if len(s.Discriminative.ParamsLayer) > 0 && s.Discriminative.Blocks != 0 {
		warn = append(warn, "Both params_layer and blocks have been set in discriminative, only params_layer will take effect")
		s.Discriminative.Blocks = 0
	}
	if len(s.GradualUnfreeze.ParamsLayer) > 0 && s.GradualUnfreeze.Blocks != 0 {
		warn = append(warn, "Both params_layer and blocks have been set in gradual_unfreeze, only params_layer will take effect")
		s.GradualUnfreeze.Blocks = 0
	}
	if s.SlantedTriangle.CutFraction != 0 && (s.Warmup != 0 || s.NoamDecay || s.linearDecayOn()) {
		warn = append(warn, "You are using slanted_triangle learning rate strategy, which will make warmup, noam_decay and linear_decay useless")
		s.Warmup, s.NoamDecay, s.LinearDecay = 0, false, nil
	}
	if s.NoamDecay && s.linearDecayOn() && (compat == Fixed || s.LinearDecay.StartPoint != 0) {
		warn = append(warn, "Both noam_decay and linear_decay have been set, only noam_decay will take effect")
		s.LinearDecay = nil
	}
	return s, warn
}

// LRSchedule is the learning rate of every optimizer step of one training run: the
// scheduler resolved against T = max_train_steps. It is a plain value; At is a pure
// function of the step.
type LRSchedule struct {
	Compat        Compat
	LearningRate  float64 // lr0
	MaxTrainSteps int     // T
	WarmupSteps   int     // W = int(T*warmup); 0: no warmup
	// LinearDecay is on when the resolved scheduler decays linearly from step DecayStart
	// (D = max(int(T*start_point), W)) to EndLearningRate at step T.
	LinearDecay     bool
	DecayStart      int
	EndLearningRate float64
	// Noam is on when noam decay is asked for and W > 0 (PaddleHub ignores it otherwise).
	Noam bool
	// SlantedTriangle is on when cut_fraction > 0, rising for CutSteps (C = int(T*c))
	// steps between LearningRate/Ratio and LearningRate.
	SlantedTriangle bool
	CutSteps        int
	Ratio           float64
}

// NewLRSchedule resolves sched (after CombinedStrategy's conflict rules, see
// CombinedStrategy) for a run of maxTrainSteps optimizer steps at base rate lr. In PaddleHub
// mode a slanted triangle with C = 0 or C = T is an error, as it is in PaddleHub (a
// ZeroDivisionError while building the program); Fixed mode handles both.
func NewLRSchedule(lr float64, sched Scheduler, maxTrainSteps int, compat Compat) (LRSchedule, error) {
	sched = sched.withDefaults()
	if err := validateScheduler(sched, compat); err != nil {
		return LRSchedule{}, err
	}
	if err := validateLR(lr); err != nil {
		return LRSchedule{}, err
	}
	if maxTrainSteps < 1 {
		return LRSchedule{}, &ParamError{Param: "max_train_steps", Value: maxTrainSteps, Reason: "must be at least 1"}
	}
	sched, _ = sched.resolve(compat)
	return newLRSchedule(lr, sched, maxTrainSteps, compat)
}

// newLRSchedule is NewLRSchedule for a validated, resolved scheduler.
func newLRSchedule(lr float64, sched Scheduler, T int, compat Compat) (LRSchedule, error) {
	s := LRSchedule{Compat: compat, LearningRate: lr, MaxTrainSteps: T}
	// int(float*int) truncates like Python's int(): the product is computed in float64 in
	// both, so int(100*0.29) is 28 here as there.
	s.WarmupSteps = int(float64(T) * sched.Warmup)
	s.Noam = sched.NoamDecay && s.WarmupSteps > 0
	if sched.linearDecayOn() {
		s.LinearDecay = true
		s.DecayStart = max(int(float64(T)*sched.LinearDecay.StartPoint), s.WarmupSteps)
		s.EndLearningRate = sched.LinearDecay.EndLearningRate
	}
	if sched.SlantedTriangle.CutFraction != 0 {
		s.SlantedTriangle = true
		s.CutSteps = int(float64(T) * sched.SlantedTriangle.CutFraction)
		s.Ratio = sched.SlantedTriangle.Ratio
		if compat == PaddleHub && (s.CutSteps == 0 || s.CutSteps == T) {
			return LRSchedule{}, &CompatError{Reason: fmt.Sprintf(
				"slanted_triangle with cut step %d of %d divides by zero (PaddleHub raises ZeroDivisionError)", s.CutSteps, T)}
		}
	}
	return s, nil
}

// counter is the value of Paddle's @LR_DECAY_COUNTER@ at optimizer step step (0-based).
// Paddle's noam_decay creates the counter first, with begin=1, and every other schedule
// shares it, so with noam (and W > 0) the counter runs one ahead of the step: the warmup
// then reaches lr0 at step W-1. Both modes keep this; it is Paddle's definition of noam.
func (s LRSchedule) counter(step int) float64 {
	if s.Noam {
		return float64(step + 1)
	}
	return float64(step)
}

// At is the learning rate of optimizer step step (0-based: the first optimizer step is 0),
// with c the LR counter (step, or step+1 under noam decay; see counter), lr0 the base rate,
// T, W, D, C as in LRSchedule:
//
//   - slanted triangle: p = c/C for c <= C, else 1-(c-C)/(T-C); lr = lr0*(1+p*(ratio-1))/ratio;
//   - warmup, c < W: lr = lr0*c/W;
//   - linear decay, c >= D: PaddleHub: lr = (lr0-end)*(1-min(c,T)/T) + end, Paddle's
//     polynomial_decay over all T steps; Fixed: lr = (lr0-end)*(1-(min(c,T)-D)/(T-D)) + end;
//   - noam (W > 0), otherwise: lr = lr0*sqrt(W)*min(c^-0.5, c*W^-1.5);
//   - otherwise lr0 (Fixed); PaddleHub keeps whatever its learning_rate variable last held.
//
// Fixed differs from PaddleHub where PaddleHub is wrong:
//
//   - PaddleHub measures the linear decay from step 0, so at c = D the rate jumps from lr0 down
//     to lr0*(1-D/T); Fixed decays from lr0 at D to end at T, a continuous curve (the same
//     curve when D = 0).
//   - Between the warmup and the decay (W <= c < D, or for good after the warmup when there
//     is no decay) PaddleHub assigns nothing, so the rate stays at the warmup's last value
//     lr0*(W-1)/W and never reaches lr0; Fixed uses lr0.
//   - PaddleHub's slanted triangle keeps falling past T (the rate turns negative) and cannot
//     be built with C = 0 or C = T; Fixed holds lr0/ratio from T on, falls from lr0 at step 0
//     when C = 0 and only rises when C = T.
//
// The values are float64; PaddleHub computes them in float32.
func (s LRSchedule) At(step int) float64 {
	lr0, T, W, D, C := s.LearningRate, float64(s.MaxTrainSteps), float64(s.WarmupSteps), float64(s.DecayStart), float64(s.CutSteps)
	c := s.counter(step)
	if s.SlantedTriangle {
		var p float64
		if s.Compat == Fixed {
			c = min(max(c, 0), T)
		}
		switch {
		case s.Compat == Fixed && C == 0:
			p = 1 - c/T
		case c <= C:
			p = c / C
		default:
			p = 1 - (c-C)/(T-C)
		}
		return lr0 * (1 + p*(s.Ratio-1)) / s.Ratio
	}
	if W > 0 && c < W {
		return lr0 * c / W
	}
	if s.LinearDecay && c >= D {
		end := s.EndLearningRate
		if s.Compat == PaddleHub {
			return (lr0-end)*(1-min(c, T)/T) + end
		}
		if T <= D {
			return end
		}
		return (lr0-end)*(1-(min(c, T)-D)/(T-D)) + end
	}
	if s.Noam {
		return lr0 * math.Sqrt(W) * min(math.Pow(c, -0.5), c*math.Pow(W, -1.5))
	}
	if s.Compat == PaddleHub && W > 0 {
		// The learning_rate variable still holds the warmup's last assignment.
		return lr0 * (W - 1) / W
	}
	return lr0
}
