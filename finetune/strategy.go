package finetune

import (
	"maps"
	"strings"

	"github.com/gohub/gohub/paddle/framework"
)

// Strategy is PaddleHub 1.x's fine-tune strategy (paddlehub/finetune/strategy.py): the
// optimizer, its learning-rate schedule, regularisation, gradient clipping, discriminative
// rates and gradual unfreezing. A strategy is a description; Resolve fixes it for one
// training run into a Plan, which the trainer follows.
type Strategy interface {
	// Resolve validates the strategy and resolves it against a run.
	Resolve(in PlanInput) (*Plan, error)
	// String is the line PaddleHub logs for the strategy (see Plan.String).
	String() string
}

// PlanInput is what a strategy is resolved against, PaddleHub's execute(loss,
// max_train_steps).
type PlanInput struct {
	// MaxTrainSteps is T, PaddleHub's num_epoch * examples // batch_size // devices.
	MaxTrainSteps int
	// Program is the forward program with its loss, before backward and optimizer ops. Only
	// Scheduler.Discriminative.Blocks and Scheduler.GradualUnfreeze.Blocks need it.
	Program *framework.Program
	// Params are the parameters to group by depth, in the block's order; nil means
	// Program.Parameters().
	Params []string
}

// Defaults PaddleHub's constructors use; a zero LearningRate or Optimizer in any strategy
// means these.
const (
	DefaultLearningRate = 1e-4
	DefaultOptimizer    = "adam"
)

// DefaultStrategy is PaddleHub's DefaultStrategy: an optimizer at a constant rate, nothing
// else. The zero value is PaddleHub's default, Adam at 1e-4 (RunConfig's default strategy).
type DefaultStrategy struct {
	LearningRate float64 // 0: 1e-4
	// Optimizer is PaddleHub's optimizer_name: sgd, adagrad, adamax, decayedadagrad, ftrl,
	// larsmomentum, momentum, rmsprop or adam (case-insensitive; "": adam). PaddleHub treats
	// any other name as adam; gohub does so only in PaddleHub mode.
	Optimizer string
	// OptimizerAttrs are the fluid optimizer's keyword arguments (momentum, beta1, ...);
	// flags are 0 or 1.
	OptimizerAttrs map[string]float64
	Compat         Compat
}

// Resolve returns the plan: the optimizer at a constant learning rate.
func (s DefaultStrategy) Resolve(in PlanInput) (*Plan, error) {
	return CombinedStrategy{LearningRate: s.LearningRate, Optimizer: s.Optimizer,
		OptimizerAttrs: s.OptimizerAttrs, Compat: s.Compat}.resolve(in, true)
}

// String is PaddleHub's "DefaultStrategy".
func (s DefaultStrategy) String() string { return "DefaultStrategy" }

// Regularization is CombinedStrategy's regularization dict; zero values are off.
type Regularization struct {
	// L2 adds L2*param to every parameter's gradient (fluid.regularizer.L2Decay).
	L2 float64
	// L2SP adds L2SP*(param - start) to the gradient of every pretrained parameter, start
	// being its value when training began.
	L2SP float64
	// WeightDecay is decoupled weight decay: after the optimizer's update, param -=
	// WeightDecay * lr(step) * param, for parameters DecaysWeight accepts (see Plan).
	WeightDecay float64
}

// Clip is CombinedStrategy's clip dict; zero values are off, GlobalNorm wins over Norm.
type Clip struct {
	GlobalNorm float64 // GradientClipByGlobalNorm(clip_norm)
	Norm       float64 // GradientClipByNorm(clip_norm), per parameter
}

// CombinedStrategy is PaddleHub's CombinedStrategy, which every strategy below resolves to.
// The zero value is Adam at 1e-4 with a constant rate, like DefaultStrategy.
//
// Conflicts are settled as PaddleHub settles them, in this order, each with a warning in
// Plan.Warnings: params_layer beats blocks (in discriminative and gradual_unfreeze); a
// slanted triangle switches warmup, noam decay and linear decay off; noam decay switches
// linear decay off (in PaddleHub mode not when linear decay starts at 0, see
// LRSchedule.At).
type CombinedStrategy struct {
	LearningRate   float64 // 0: 1e-4
	Optimizer      string  // as in DefaultStrategy; "": adam
	OptimizerAttrs map[string]float64
	Scheduler      Scheduler
	Regularization Regularization
	Clip           Clip
	Compat         Compat
}

// Validate checks the settings without a run to resolve them against.
func (s CombinedStrategy) Validate() error {
	_, _, err := s.normalize()
	return err
}

// normalize fills the defaults, validates, and resolves the scheduler's conflicts.
func (s CombinedStrategy) normalize() (CombinedStrategy, []string, error) {
	if s.LearningRate == 0 {
		s.LearningRate = DefaultLearningRate
	}
	s.Scheduler = s.Scheduler.withDefaults()
	if err := validateLR(s.LearningRate); err != nil {
		return s, nil, err
	}
	op, err := resolveOptimizer(s.Optimizer, s.OptimizerAttrs, s.Compat)
	if err != nil {
		return s, nil, err
	}
	s.Optimizer = op
	if err := validateScheduler(s.Scheduler, s.Compat); err != nil {
		return s, nil, err
	}
	if err := validateRegularization(s.Regularization); err != nil {
		return s, nil, err
	}
	if err := validateClip(s.Clip); err != nil {
		return s, nil, err
	}
	var warn []string
	s.Scheduler, warn = s.Scheduler.resolve(s.Compat)
	return s, warn, nil
}

// Resolve returns the plan for a run.
func (s CombinedStrategy) Resolve(in PlanInput) (*Plan, error) { return s.resolve(in, false) }

func (s CombinedStrategy) resolve(in PlanInput, plain bool) (*Plan, error) {
	s, warn, err := s.normalize()
	if err != nil {
		return nil, err
	}
	if in.MaxTrainSteps < 1 {
		return nil, &ParamError{Param: "max_train_steps", Value: in.MaxTrainSteps, Reason: "must be at least 1"}
	}
	sched, err := newLRSchedule(s.LearningRate, s.Scheduler, in.MaxTrainSteps, s.Compat)
	if err != nil {
		return nil, err
	}
	if s.Scheduler.NoamDecay && !sched.Noam {
		warn = append(warn, "Noam decay learning rate scheduler should have positive warmup steps, using constant learning rate instead!")
	}
	if sched.LinearDecay && int(float64(in.MaxTrainSteps)*s.Scheduler.LinearDecay.StartPoint) < sched.WarmupSteps {
		warn = append(warn, "linear decay can not start during warmup process, it will start after warmup ends!")
	}
	p := &Plan{
		Compat:         s.Compat,
		Optimizer:      s.Optimizer,
		OptimizerAttrs: maps.Clone(s.OptimizerAttrs),
		Schedule:       sched,
		L2:             s.Regularization.L2,
		L2SP:           s.Regularization.L2SP,
		WeightDecay:    s.Regularization.WeightDecay,
		// PaddleHub copies the parameters for the decay after minimize() has appended the
		// optimizer ops, so the copies hold the updated values (measured, golden.json
		// "weight_decay"); decoupled weight decay as designed (AdamW, ERNIE) uses the value
		// before the update.
		DecayUpdated:   s.Compat == PaddleHub,
		ClipGlobalNorm: s.Clip.GlobalNorm,
		Warnings:       warn,
		scheduler:      s.Scheduler,
		plain:          plain,
	}
	if p.ClipGlobalNorm == 0 {
		p.ClipNorm = s.Clip.Norm
	}
	disc, frz := s.Scheduler.Discriminative, s.Scheduler.GradualUnfreeze
	if disc.Blocks > 0 || frz.Blocks > 0 {
		groups, err := DepthGroups(in.Program, in.Params, s.Compat)
		if err != nil {
			return nil, err
		}
		p.Groups = groups
	}
	p.paramLR = discriminativeScales(disc, p.Groups, s.Compat)
	return p, nil
}

// String is the line PaddleHub logs when the strategy is applied (see Plan.String); the
// scheduler entries that need a run (noam without warmup steps) are listed as asked for.
func (s CombinedStrategy) String() string {
	n, _, err := s.normalize()
	if err != nil {
		return "Strategy with invalid settings: " + err.Error()
	}
	return strategyString(n.Scheduler, n.Regularization, n.Clip, n.Compat, n.Scheduler.NoamDecay)
}

// strategyString lists the parts in PaddleHub's order. PaddleHub's __str__ always lists
// "slanted triangle learning rate" (it tests the whole dict, never empty), never lists the
// clipping (it clears self.clip first, which also switches clipping off if a strategy is
// printed before it is applied, e.g. through RunConfig's repr) and leaves a trailing ", ";
// PaddleHub mode writes exactly that, Fixed lists what takes effect.
func strategyString(sch Scheduler, reg Regularization, clip Clip, compat Compat, noam bool) string {
	var parts []string
	add := func(on bool, name string) {
		if on {
			parts = append(parts, name)
		}
	}
	add(sch.Warmup != 0, "warmup")
	add(sch.linearDecayOn(), "linear decay")
	add(noam, "noam decay")
	add(sch.Discriminative.Blocks != 0 || len(sch.Discriminative.ParamsLayer) > 0, "discriminative learning rate")
	add(sch.GradualUnfreeze.Blocks != 0 || len(sch.GradualUnfreeze.ParamsLayer) > 0, "gradual unfreeze")
	add(compat == PaddleHub || sch.SlantedTriangle.CutFraction != 0, "slanted triangle learning rate")
	add(reg.L2 != 0, "L2 regularization")
	add(reg.L2SP != 0, "L2SP regularization")
	add(reg.WeightDecay != 0, "weight decay regularization")
	if compat == PaddleHub {
		var b strings.Builder
		b.WriteString("Strategy with ")
		for _, p := range parts {
			b.WriteString(p + ", ")
		}
		return b.String()
	}
	add(clip.GlobalNorm != 0, "GlobalNorm clip")
	add(clip.GlobalNorm == 0 && clip.Norm != 0, "Norm clip")
	if len(parts) == 0 {
		return "Strategy with constant learning rate"
	}
	return "Strategy with " + strings.Join(parts, ", ")
}

// DefaultFinetuneStrategy is PaddleHub's DefaultFinetuneStrategy: L2 regularisation of all
// parameters. NewDefaultFinetuneStrategy gives PaddleHub's defaults.
type DefaultFinetuneStrategy struct {
	LearningRate        float64 // 0: 1e-4
	Optimizer           string  // "": adam
	OptimizerAttrs      map[string]float64
	RegularizationCoeff float64 // L2; PaddleHub's default 1e-3
	Compat              Compat
}

// NewDefaultFinetuneStrategy is DefaultFinetuneStrategy() with PaddleHub's defaults.
func NewDefaultFinetuneStrategy() DefaultFinetuneStrategy {
	return DefaultFinetuneStrategy{LearningRate: DefaultLearningRate, Optimizer: DefaultOptimizer, RegularizationCoeff: 1e-3}
}

// Combined is the CombinedStrategy it stands for.
func (s DefaultFinetuneStrategy) Combined() CombinedStrategy {
	return CombinedStrategy{LearningRate: s.LearningRate, Optimizer: s.Optimizer, OptimizerAttrs: s.OptimizerAttrs,
		Regularization: Regularization{L2: s.RegularizationCoeff}, Compat: s.Compat}
}

// Resolve resolves Combined().
func (s DefaultFinetuneStrategy) Resolve(in PlanInput) (*Plan, error) {
	return s.Combined().Resolve(in)
}

func (s DefaultFinetuneStrategy) String() string { return s.Combined().String() }

// L2SPFinetuneStrategy is PaddleHub's L2SPFinetuneStrategy: L2-SP regularisation of the
// pretrained parameters towards their starting values.
type L2SPFinetuneStrategy struct {
	LearningRate        float64 // 0: 1e-4
	Optimizer           string  // "": adam
	OptimizerAttrs      map[string]float64
	RegularizationCoeff float64 // L2SP; PaddleHub's default 1e-3
	Compat              Compat
}

// NewL2SPFinetuneStrategy is L2SPFinetuneStrategy() with PaddleHub's defaults.
func NewL2SPFinetuneStrategy() L2SPFinetuneStrategy {
	return L2SPFinetuneStrategy{LearningRate: DefaultLearningRate, Optimizer: DefaultOptimizer, RegularizationCoeff: 1e-3}
}

// Combined is the CombinedStrategy it stands for.
func (s L2SPFinetuneStrategy) Combined() CombinedStrategy {
	return CombinedStrategy{LearningRate: s.LearningRate, Optimizer: s.Optimizer, OptimizerAttrs: s.OptimizerAttrs,
		Regularization: Regularization{L2SP: s.RegularizationCoeff}, Compat: s.Compat}
}

// Resolve resolves Combined().
func (s L2SPFinetuneStrategy) Resolve(in PlanInput) (*Plan, error) { return s.Combined().Resolve(in) }

func (s L2SPFinetuneStrategy) String() string { return s.Combined().String() }

// AdamWeightDecayStrategy is PaddleHub's AdamWeightDecayStrategy (BERT/ERNIE fine-tuning):
// warmup, then linear or noam decay, decoupled weight decay, global-norm clipping at 1.
type AdamWeightDecayStrategy struct {
	LearningRate float64 // 0: 1e-4
	// LRScheduler is "linear_decay" (decay starting when the warmup ends) or "noam_decay";
	// "" means linear_decay.
	LRScheduler      string
	WarmupProportion float64 // PaddleHub's default 0.1 (its docs say 0.0; the code says 0.1)
	WeightDecay      float64 // PaddleHub's default 0.01
	Optimizer        string  // "": adam
	OptimizerAttrs   map[string]float64
	Compat           Compat
}

// NewAdamWeightDecayStrategy is AdamWeightDecayStrategy() with PaddleHub's defaults.
func NewAdamWeightDecayStrategy() AdamWeightDecayStrategy {
	return AdamWeightDecayStrategy{LearningRate: DefaultLearningRate, LRScheduler: "linear_decay",
		WarmupProportion: 0.1, WeightDecay: 0.01, Optimizer: DefaultOptimizer}
}

// Combined is the CombinedStrategy it stands for; an LRScheduler other than linear_decay
// and noam_decay is PaddleHub's ValueError.
func (s AdamWeightDecayStrategy) Combined() (CombinedStrategy, error) {
	c := CombinedStrategy{LearningRate: s.LearningRate, Optimizer: s.Optimizer, OptimizerAttrs: s.OptimizerAttrs,
		Scheduler:      Scheduler{Warmup: s.WarmupProportion},
		Regularization: Regularization{WeightDecay: s.WeightDecay},
		Clip:           Clip{GlobalNorm: 1}, Compat: s.Compat}
	switch s.LRScheduler {
	case "", "linear_decay":
		c.Scheduler.LinearDecay = &LinearDecay{StartPoint: s.WarmupProportion}
	case "noam_decay":
		c.Scheduler.NoamDecay = true
	default:
		return CombinedStrategy{}, &ParamError{Param: "lr_scheduler", Value: s.LRScheduler,
			Reason: "must be linear_decay or noam_decay (lr_scheduler " + s.LRScheduler + " is not setup correctly)"}
	}
	return c, nil
}

// Resolve resolves Combined().
func (s AdamWeightDecayStrategy) Resolve(in PlanInput) (*Plan, error) {
	c, err := s.Combined()
	if err != nil {
		return nil, err
	}
	return c.Resolve(in)
}

func (s AdamWeightDecayStrategy) String() string {
	c, err := s.Combined()
	if err != nil {
		return "Strategy with invalid settings: " + err.Error()
	}
	return c.String()
}

// ULMFiTStrategy is PaddleHub's ULMFiTStrategy: slanted triangular rates, discriminative
// fine-tuning and gradual unfreezing, no regularisation. NewULMFiTStrategy gives
// PaddleHub's defaults; in a literal, a zero Ratio or Factor means 32 or 2.6 and a zero
// CutFraction or block count switches that part off.
type ULMFiTStrategy struct {
	LearningRate   float64 // 0: 1e-4
	Optimizer      string  // "": adam
	OptimizerAttrs map[string]float64
	CutFraction    float64 // 0.1
	Ratio          float64 // 32
	DisBlocks      int     // 3
	Factor         float64 // 2.6
	DisParamsLayer map[string]int
	FrzBlocks      int // 3
	FrzParamsLayer map[string]int
	Compat         Compat
}

// NewULMFiTStrategy is ULMFiTStrategy() with PaddleHub's defaults.
func NewULMFiTStrategy() ULMFiTStrategy {
	return ULMFiTStrategy{LearningRate: DefaultLearningRate, Optimizer: DefaultOptimizer, CutFraction: 0.1,
		Ratio: defaultRatio, DisBlocks: 3, Factor: defaultFactor, FrzBlocks: 3}
}

// Combined is the CombinedStrategy it stands for.
func (s ULMFiTStrategy) Combined() CombinedStrategy {
	return CombinedStrategy{LearningRate: s.LearningRate, Optimizer: s.Optimizer, OptimizerAttrs: s.OptimizerAttrs,
		Scheduler: Scheduler{
			SlantedTriangle: SlantedTriangle{CutFraction: s.CutFraction, Ratio: s.Ratio},
			GradualUnfreeze: GradualUnfreeze{Blocks: s.FrzBlocks, ParamsLayer: s.FrzParamsLayer},
			Discriminative:  Discriminative{Blocks: s.DisBlocks, Factor: s.Factor, ParamsLayer: s.DisParamsLayer},
		}, Compat: s.Compat}
}

// Resolve resolves Combined().
func (s ULMFiTStrategy) Resolve(in PlanInput) (*Plan, error) { return s.Combined().Resolve(in) }

func (s ULMFiTStrategy) String() string { return s.Combined().String() }

// Plan is a strategy resolved for one run: everything the trainer needs to build the update
// part of the training program and to drive it step by step and epoch by epoch.
//
// The trainer applies it the way Paddle 1.8's minimize() and PaddleHub's execute() do, in
// this order for each parameter's gradient: clipping (ClipGlobalNorm over all gradients,
// else ClipNorm per gradient), then regularisation (L2 on every parameter, L2SP on the
// pretrained ones; a parameter gets one regulariser, L2SP replacing L2 where both are set,
// as PaddleHub assigns L2SP second), then the optimizer at rate LR(step)*LRScale(param),
// then decoupled weight decay with the unscaled LR(step).
type Plan struct {
	Compat Compat
	// Optimizer is the Paddle optimizer op type: sgd, adagrad, adamax, decayed_adagrad,
	// ftrl, lars_momentum, momentum, rmsprop or adam.
	Optimizer string
	// OptimizerAttrs are the optimizer's keyword arguments (beta1, momentum, ...) as given;
	// Paddle's defaults apply to the missing ones.
	OptimizerAttrs map[string]float64
	// Schedule gives the learning rate of every step; see LR.
	Schedule LRSchedule
	// L2 and L2SP are the regularisation coefficients (0: off): grad += L2*param, and
	// grad += L2SP*(param - start) for pretrained parameters only (in PaddleHub those the
	// task's startup program does not create, i.e. the module's), start being the value at
	// the start of training. PaddleHub writes start to ~/.paddlehub/cache/l2sp/<param> when
	// the startup program runs and reads it back at every step, so a resumed run pulls
	// towards whatever file an earlier run left; the trainer should keep start as a
	// persistable variable in the checkpoint instead.
	L2, L2SP float64
	// WeightDecay is the decoupled weight decay coefficient (0: off), applied after the
	// optimizer's update to the parameters DecaysWeight accepts:
	// param -= WeightDecay * LR(step) * base, base being the parameter's value before this
	// step's update, or, when DecayUpdated (PaddleHub mode), after it, which is what
	// PaddleHub computes: param = updated * (1 - WeightDecay*LR(step)).
	WeightDecay  float64
	DecayUpdated bool
	// ClipGlobalNorm and ClipNorm are the clipping norms (0: off; at most one is set).
	ClipGlobalNorm, ClipNorm float64
	// Groups are the parameters' depth groups, deepest first, when discriminative rates or
	// gradual unfreezing work by blocks; nil otherwise.
	Groups []DepthGroup
	// Warnings are PaddleHub's warnings about settings that were overridden or ignored.
	Warnings []string

	scheduler Scheduler          // resolved
	paramLR   map[string]float64 // discriminative multipliers
	plain     bool               // a DefaultStrategy
}

// LR is the base learning rate of optimizer step step, to be set into the learning-rate
// variable before the step runs. step is the global step, 0 for the first update of the
// first run: a resumed run continues the count, as Paddle's @LR_DECAY_COUNTER@ does (it is
// persistable, so PaddleHub's checkpoints carry it), and keeps the T it started with
// (PaddleHub rescales max_train_steps on resume only after the schedule is built).
func (p *Plan) LR(step int) float64 { return p.Schedule.At(step) }

// LRScale is param's discriminative multiplier of the base rate (1 for parameters it does
// not scale). PaddleHub multiplies it into param.optimize_attr["learning_rate"], so it comes
// on top of a learning rate the parameter's own ParamAttr sets.
func (p *Plan) LRScale(param string) float64 {
	if s, ok := p.paramLR[param]; ok {
		return s
	}
	return 1
}

// Frozen is the set of parameters that stay fixed during epoch epoch (1-based, PaddleHub's
// current_epoch; strategy.step() runs at the start of each epoch), nil when none is.
//
// PaddleHub sets stop_gradient on these parameters, but only after its training program
// (backward and optimizer ops) has been built, so in PaddleHub 1.8 the "frozen" parameters
// are still updated (measured: golden.json "unfreeze_at_runtime") and gradual unfreezing
// has no effect. The trainer should honour this set in both modes: it is what PaddleHub
// means to freeze, and in PaddleHub mode exactly the set PaddleHub marks.
func (p *Plan) Frozen(epoch int) map[string]bool {
	return frozenAt(p.scheduler.GradualUnfreeze, p.Groups, epoch, p.Compat)
}

// DecaysWeight reports whether weight decay applies to param: PaddleHub excludes names
// containing "layer_norm" and names ending in "_bias", "_b" or ".b_0".
func (p *Plan) DecaysWeight(param string) bool {
	if strings.Contains(param, "layer_norm") {
		return false
	}
	for _, suffix := range []string{"_bias", "_b", ".b_0"} {
		if strings.HasSuffix(param, suffix) {
			return false
		}
	}
	return true
}

// String is the line PaddleHub logs when a strategy is applied, "Strategy with warmup,
// linear decay, weight decay regularization, GlobalNorm clip" ("DefaultStrategy" for a
// DefaultStrategy). Fixed lists what takes effect in this run; PaddleHub mode writes
// PaddleHub's text exactly (see CombinedStrategy.String for its quirks).
func (p *Plan) String() string {
	if p.plain {
		return "DefaultStrategy"
	}
	noam := p.scheduler.NoamDecay
	if p.Compat == Fixed {
		noam = p.Schedule.Noam
	}
	return strategyString(p.scheduler, Regularization{L2: p.L2, L2SP: p.L2SP, WeightDecay: p.WeightDecay},
		Clip{GlobalNorm: p.ClipGlobalNorm, Norm: p.ClipNorm}, p.Compat, noam)
}
