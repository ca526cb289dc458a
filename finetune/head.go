package finetune

import (
	"fmt"
	"math"
	"math/rand"
	"strings"

	"github.com/pkg/errors"
	"google.golang.org/protobuf/proto"

	"github.com/gohub/gohub/paddle/framework"
)

// head names the variables of PaddleHub's classifier head (ClassifierTask._build_net,
// _add_loss, _add_metrics): optional fc+relu layers, fc to the classes with softmax,
// cross-entropy over the probabilities, its mean, and accuracy.
type head struct {
	label, probs, loss, acc string
	params                  []headParam
}

// headParam is a parameter the head creates, with how it starts.
type headParam struct {
	name string
	dims []int64
	init func(rng *rand.Rand, n int) []float32
}

// Variable names of the head. cls_out_w and cls_out_b are PaddleHub's.
const (
	labelVar = "label"
	probsVar = "cls_out.tmp_2"
	lossVar  = "cls_loss"
	accVar   = "cls_acc"
)

// appendHead adds the head on top of feature, a [-1, C, (1, 1)] variable of p.
func appendHead(p *framework.Program, feature string, numClasses int, hidden []int) (*head, error) {
	fv := p.Var(feature)
	if fv == nil {
		return nil, errors.Errorf("feature map %q is not a variable", feature)
	}
	dims := fv.GetType().GetLodTensor().GetTensor().GetDims()
	width := int64(1)
	for _, d := range dims[1:] {
		if d <= 0 {
			return nil, errors.Errorf("feature map %s has shape %v: its size per example must be known", feature, dims)
		}
		width *= d
	}
	h := &head{label: labelVar, probs: probsVar, loss: lossVar, acc: accVar}
	b := builder{p: p}
	b.decl(labelVar, framework.VarType_INT64, []int64{-1, 1}, false).StopGradient = proto.Bool(true)

	cur := feature
	for i, units := range hidden {
		w, bias := fmt.Sprintf("cls_fc_%d.w_0", i), fmt.Sprintf("cls_fc_%d.b_0", i)
		h.params = append(h.params,
			headParam{w, []int64{width, int64(units)}, xavierUniform(width, int64(units))},
			headParam{bias, []int64{int64(units)}, zeros})
		prefix := fmt.Sprintf("cls_fc_%d", i)
		out := b.fc(prefix, cur, w, bias, units)
		relu := prefix + ".tmp_2"
		b.decl(relu, framework.VarType_FP32, []int64{-1, int64(units)}, false)
		b.op("relu", framework.Slots{"X": {out}}, framework.Slots{"Out": {relu}})
		cur, width = relu, int64(units)
	}
	h.params = append(h.params,
		headParam{"cls_out_w", []int64{width, int64(numClasses)}, truncatedNormal(0.02)},
		headParam{"cls_out_b", []int64{int64(numClasses)}, zeros})
	logits := b.fc("cls_out", cur, "cls_out_w", "cls_out_b", numClasses)
	b.decl(probsVar, framework.VarType_FP32, []int64{-1, int64(numClasses)}, false)
	b.op("softmax", framework.Slots{"X": {logits}}, framework.Slots{"Out": {probsVar}},
		framework.IntAttr("axis", -1))

	// cross_entropy over probabilities (op cross_entropy2), then mean: PaddleHub's loss.
	b.decl("cls_ce.tmp_0", framework.VarType_FP32, []int64{-1, 1}, false)
	b.decl("cls_ce.xshape", framework.VarType_FP32, []int64{0, -1, int64(numClasses)}, false)
	b.decl("cls_ce.match_x", framework.VarType_FP32, []int64{-1, 1}, false)
	b.op("cross_entropy2", framework.Slots{"X": {probsVar}, "Label": {labelVar}},
		framework.Slots{"Y": {"cls_ce.tmp_0"}, "XShape": {"cls_ce.xshape"}, "MatchX": {"cls_ce.match_x"}},
		framework.IntAttr("ignore_index", -100))
	b.decl(lossVar, framework.VarType_FP32, nil, false)
	b.op("mean", framework.Slots{"X": {"cls_ce.tmp_0"}}, framework.Slots{"Out": {lossVar}})

	// accuracy of the top-1 class.
	b.decl("cls_topk.tmp_0", framework.VarType_FP32, []int64{-1, 1}, false)
	b.decl("cls_topk.tmp_1", framework.VarType_INT64, []int64{-1, 1}, false)
	b.op("top_k", framework.Slots{"X": {probsVar}},
		framework.Slots{"Out": {"cls_topk.tmp_0"}, "Indices": {"cls_topk.tmp_1"}}, framework.IntAttr("k", 1))
	b.decl(accVar, framework.VarType_FP32, []int64{1}, false)
	b.decl("cls_acc.correct", framework.VarType_INT32, []int64{1}, false)
	b.decl("cls_acc.total", framework.VarType_INT32, []int64{1}, false)
	b.op("accuracy", framework.Slots{"Out": {"cls_topk.tmp_0"}, "Indices": {"cls_topk.tmp_1"}, "Label": {labelVar}},
		framework.Slots{"Accuracy": {accVar}, "Correct": {"cls_acc.correct"}, "Total": {"cls_acc.total"}})
	return h, b.err
}

// builder appends to a program and keeps the first error, so that a sequence of
// declarations reads as one.
type builder struct {
	p   *framework.Program
	err error
}

var scratchVar = &framework.VarDesc{}

func (b *builder) decl(name string, dt framework.VarType_Type, dims []int64, persistable bool) *framework.VarDesc {
	if b.err != nil {
		return scratchVar
	}
	v, err := b.p.AddVar(name, dt, dims, persistable)
	if err != nil {
		b.err = err
		return scratchVar
	}
	return v
}

func (b *builder) op(typ string, in, out framework.Slots, attrs ...*framework.OpDesc_Attr) {
	if b.err == nil {
		_, b.err = b.p.AddOp(typ, in, out, attrs...)
	}
}

// fc is fluid.layers.fc without activation: mul (flattening x to two dimensions) then
// elementwise_add of the bias; it returns the sum's variable.
func (b *builder) fc(prefix, x, w, bias string, units int) string {
	wd := b.p.Var(x).GetType().GetLodTensor().GetTensor().GetDims()
	width := int64(1)
	for _, d := range wd[1:] {
		width *= d
	}
	b.decl(w, framework.VarType_FP32, []int64{width, int64(units)}, true)
	b.decl(bias, framework.VarType_FP32, []int64{int64(units)}, true)
	mul, sum := prefix+".tmp_0", prefix+".tmp_1"
	b.decl(mul, framework.VarType_FP32, []int64{-1, int64(units)}, false)
	b.decl(sum, framework.VarType_FP32, []int64{-1, int64(units)}, false)
	b.op("mul", framework.Slots{"X": {x}, "Y": {w}}, framework.Slots{"Out": {mul}},
		framework.IntAttr("x_num_col_dims", 1), framework.IntAttr("y_num_col_dims", 1))
	b.op("elementwise_add", framework.Slots{"X": {mul}, "Y": {bias}}, framework.Slots{"Out": {sum}},
		framework.IntAttr("axis", 1))
	return sum
}

// Initialisers of the head's parameters, drawn from the task's seeded generator.

func zeros(_ *rand.Rand, n int) []float32 { return make([]float32, n) }

// truncatedNormal is Paddle's TruncatedNormal(0, std): normal draws, redrawn outside two
// standard deviations.
func truncatedNormal(std float64) func(*rand.Rand, int) []float32 {
	return func(rng *rand.Rand, n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			x := rng.NormFloat64()
			for math.Abs(x) > 2 {
				x = rng.NormFloat64()
			}
			v[i] = float32(x * std)
		}
		return v
	}
}

// xavierUniform is Paddle's default fc weight initialiser: uniform in ±sqrt(6/(in+out)).
func xavierUniform(in, out int64) func(*rand.Rand, int) []float32 {
	limit := math.Sqrt(6 / float64(in+out))
	return func(rng *rand.Rand, n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32((rng.Float64()*2 - 1) * limit)
		}
		return v
	}
}

// initialValue is how Paddle's layers start a parameter, told by its name and shape: batch
// norm's scale and variance 1, its offset and mean 0, a convolution's filter normal with
// std sqrt(2/fan_in) (fluid's conv2d default), an fc weight Xavier-uniform, a bias 0.
func initialValue(name string, dims []int64) func(*rand.Rand, int) []float32 {
	ones := func(_ *rand.Rand, n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = 1
		}
		return v
	}
	switch {
	case strings.HasSuffix(name, "_scale") || strings.HasSuffix(name, "_variance"):
		return ones
	case len(dims) == 4:
		fanIn := float64(dims[1] * dims[2] * dims[3])
		std := math.Sqrt(2 / fanIn)
		return func(rng *rand.Rand, n int) []float32 {
			v := make([]float32, n)
			for i := range v {
				v[i] = float32(rng.NormFloat64() * std)
			}
			return v
		}
	case len(dims) == 2:
		return xavierUniform(dims[0], dims[1])
	}
	return zeros
}
