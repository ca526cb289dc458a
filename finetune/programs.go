package finetune

import (
	"maps"
	"slices"
	"sort"

	"github.com/pkg/errors"

	"github.com/gohub/gohub/paddle"
	"github.com/gohub/gohub/paddle/framework"
)

// programs are a task's programs over one scope: the forward program with the head, the
// evaluation and prediction programs cut from it in inference mode, and one training
// program per set of frozen parameters (gradual unfreezing changes the set by epoch).
type programs struct {
	image, feature string
	fwd            *framework.Program // module + head, training mode, float32
	amp            bool               // the other programs' convolutions and products in bfloat16
	eval, predict  *framework.Program // inference mode, pruned
	head           *head
	plan           *Plan
	pretrained     map[string]bool // the module's parameters
	// state is the training program with nothing frozen: its persistables are everything a
	// checkpoint holds (parameters, batch-norm statistics, optimizer state, learning rates).
	state *trainProgram
	train map[string]*trainProgram // by frozenKey
}

// trainProgram is a compiled training program and what its update part added.
type trainProgram struct {
	desc   *framework.Program
	prog   *paddle.Program
	update *update
	exec   *paddle.Executor
}

// recordings counts the recordings the training programs' executors made (RunConfig.CUDAGraph).
func (ps *programs) recordings() int {
	n := 0
	for _, tp := range append(slices.Collect(maps.Values(ps.train)), ps.state) {
		if tp != nil && tp.exec != nil {
			if r, err := tp.exec.Recordings(); err == nil {
				n += r
			}
		}
	}
	return n
}

func (tp *trainProgram) destroy() {
	if tp.exec != nil {
		tp.exec.Destroy()
	}
	tp.prog.Destroy()
}

// newPrograms builds the forward, evaluation and prediction programs; compile makes the
// training ones once the strategy's plan is known. amp marks the convolutions of all but the
// forward program (which the exported model is saved from) bfloat16 (RunConfig.AMP).
func newPrograms(module *framework.Program, image, feature string, numClasses int, hidden []int, amp bool) (*programs, error) {
	fwd := module.Clone()
	h, err := appendHead(fwd, feature, numClasses, hidden)
	if err != nil {
		return nil, errors.WithMessage(err, "classifier head")
	}
	ps := &programs{image: image, feature: feature, fwd: fwd, amp: amp, head: h, train: map[string]*trainProgram{},
		pretrained: map[string]bool{}}
	for _, p := range module.Parameters() {
		ps.pretrained[p] = true
	}
	ps.eval = ps.forward()
	framework.SetTraining(ps.eval, false)
	if err := ps.eval.Prune([]string{image, h.label}, []string{h.probs, h.loss, h.acc}); err != nil {
		return nil, err
	}
	if err := ps.eval.AddFetch(h.probs, h.loss, h.acc); err != nil {
		return nil, err
	}
	ps.predict = ps.forward()
	framework.SetTraining(ps.predict, false)
	if err := ps.predict.Prune([]string{image}, []string{h.probs}); err != nil {
		return nil, err
	}
	if err := ps.predict.AddFetch(h.probs); err != nil {
		return nil, err
	}
	return ps, nil
}

// forward returns a copy of the forward program to derive another from, its convolutions
// marked bfloat16 under AMP (grad ops made from them copy the mark).
func (ps *programs) forward() *framework.Program {
	p := ps.fwd.Clone()
	if ps.amp {
		framework.MarkBfloat16(p)
	}
	return p
}

// compile makes the training program with nothing frozen, the one checkpoints save.
func (ps *programs) compile(plan *Plan) error {
	ps.plan = plan
	var err error
	ps.state, err = ps.compileTrain(nil)
	return err
}

// trainFor returns the training program that leaves frozen untouched.
func (ps *programs) trainFor(frozen map[string]bool) (*trainProgram, error) {
	if len(frozen) == 0 {
		return ps.state, nil
	}
	key := frozenKey(frozen)
	if tp, ok := ps.train[key]; ok {
		return tp, nil
	}
	tp, err := ps.compileTrain(frozen)
	if err != nil {
		return nil, err
	}
	ps.train[key] = tp
	return tp, nil
}

// compileTrain appends the backward part (by the library) and the update part (here).
func (ps *programs) compileTrain(frozen map[string]bool) (*trainProgram, error) {
	desc, err := ps.forward().Bytes()
	if err != nil {
		return nil, err
	}
	withGrads, err := paddle.NewProgram(desc)
	if err != nil {
		return nil, err
	}
	defer withGrads.Destroy()
	if err := withGrads.AppendBackward(ps.head.loss, sortedKeys(frozen)...); err != nil {
		return nil, errors.WithMessage(err, "append backward")
	}
	b, err := withGrads.Bytes()
	if err != nil {
		return nil, err
	}
	train, err := framework.ParseProgram(b)
	if err != nil {
		return nil, err
	}
	var grads []paramGrad
	for _, p := range train.Parameters() {
		if g := p + "@GRAD"; train.Var(g) != nil && !frozen[p] {
			grads = append(grads, paramGrad{p, g})
		}
	}
	if len(grads) == 0 {
		return nil, errors.New("nothing to train: every parameter is frozen")
	}
	u, err := appendUpdate(train, grads, ps.plan, ps.pretrained)
	if err != nil {
		return nil, err
	}
	// What the loop reads after a step; the executor frees every other activation and
	// gradient after its last use.
	if err := train.AddFetch(ps.head.loss, ps.head.probs); err != nil {
		return nil, err
	}
	if b, err = train.Bytes(); err != nil {
		return nil, err
	}
	prog, err := paddle.NewProgram(b)
	if err != nil {
		return nil, err
	}
	return &trainProgram{desc: train, prog: prog, update: u}, nil
}

func (ps *programs) destroy() {
	for _, tp := range ps.train {
		tp.destroy()
	}
	if ps.state != nil {
		ps.state.destroy()
	}
}

func sortedKeys(m map[string]bool) []string {
	var keys []string
	for k, v := range m {
		if v {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

func frozenKey(m map[string]bool) string {
	key := ""
	for _, k := range sortedKeys(m) {
		key += k + "\x00"
	}
	return key
}
