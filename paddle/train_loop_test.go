package paddle

import (
	"math"
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/gohub/gohub/paddle/framework"
)

// classifierStep is a training step built from Go: a linear classifier over dim features with
// softmax cross-entropy, the backward part appended by the library, one sgd op per parameter
// appended in Go (learning rate "lr"). Inputs "x" and "label"; outputs "loss" and "softmax".
func classifierStep(t *testing.T, dim, classes int64) *Program {
	fwd := framework.NewProgram()
	decl := func(name string, dt framework.VarType_Type, dims []int64, persist bool) {
		_, err := fwd.AddVar(name, dt, dims, persist)
		require.NoError(t, err)
	}
	decl("x", framework.VarType_FP32, []int64{-1, dim}, false)
	decl("label", framework.VarType_INT64, []int64{-1, 1}, false)
	decl("w", framework.VarType_FP32, []int64{dim, classes}, true)
	decl("b", framework.VarType_FP32, []int64{classes}, true)
	decl("lr", framework.VarType_FP32, []int64{1}, true)
	for _, v := range []string{"m", "logits", "softmax", "ce"} {
		decl(v, framework.VarType_FP32, nil, false)
	}
	decl("loss", framework.VarType_FP32, nil, false)
	fwd.Var("lr").StopGradient = proto.Bool(true)
	add := func(typ string, in, out framework.Slots, attrs ...*framework.OpDesc_Attr) {
		_, err := fwd.AddOp(typ, in, out, attrs...)
		require.NoError(t, err)
	}
	add("mul", framework.Slots{"X": {"x"}, "Y": {"w"}}, framework.Slots{"Out": {"m"}},
		framework.IntAttr("x_num_col_dims", 1), framework.IntAttr("y_num_col_dims", 1))
	add("elementwise_add", framework.Slots{"X": {"m"}, "Y": {"b"}}, framework.Slots{"Out": {"logits"}},
		framework.IntAttr("axis", -1))
	add("softmax_with_cross_entropy", framework.Slots{"Logits": {"logits"}, "Label": {"label"}},
		framework.Slots{"Softmax": {"softmax"}, "Loss": {"ce"}})
	add("reduce_mean", framework.Slots{"X": {"ce"}}, framework.Slots{"Out": {"loss"}},
		framework.BoolAttr("reduce_all", true))
	desc, err := fwd.Bytes()
	require.NoError(t, err)

	// The library appends the gradients; Go appends one sgd op per parameter.
	prog, err := NewProgram(desc)
	require.NoError(t, err)
	defer prog.Destroy()
	require.NoError(t, prog.AppendBackward("loss"))
	withGrads, err := prog.Bytes()
	require.NoError(t, err)
	train, err := framework.ParseProgram(withGrads)
	require.NoError(t, err)
	for _, p := range []string{"w", "b"} {
		require.NotNil(t, train.Var(p+"@GRAD"), "AppendBackward declared %s@GRAD", p)
		_, err := train.AddOp("sgd",
			framework.Slots{"Param": {p}, "Grad": {p + "@GRAD"}, "LearningRate": {"lr"}},
			framework.Slots{"ParamOut": {p}})
		require.NoError(t, err)
	}
	trainBytes, err := train.Bytes()
	require.NoError(t, err)
	step, err := NewProgram(trainBytes)
	require.NoError(t, err)
	t.Cleanup(step.Destroy)
	return step
}

// A classifier head trained end to end from Go: the forward program built with
// paddle/framework, the backward part appended by the library, sgd ops appended in Go, the
// parameters updated in the scope by each run.
func TestTrainingLoopFitsSeparableData(t *testing.T) {
	const n, dim, classes = 32, 4, 2
	step := classifierStep(t, dim, classes)

	// Two Gaussian blobs, one per class.
	rng := rand.New(rand.NewSource(1))
	x := make([]float32, n*dim)
	label := make([]int64, n)
	for i := 0; i < n; i++ {
		label[i] = int64(i % classes)
		for j := 0; j < dim; j++ {
			x[i*dim+j] = float32(rng.NormFloat64()*0.5 + 2*float64(label[i]) - 1)
		}
	}
	scope, err := NewScope()
	require.NoError(t, err)
	defer scope.Destroy()
	require.NoError(t, scope.SetFloat32("x", []int64{n, dim}, x))
	require.NoError(t, scope.SetInt64("label", []int64{n, 1}, label))
	require.NoError(t, scope.SetFloat32("w", []int64{dim, classes}, make([]float32, dim*classes)))
	require.NoError(t, scope.SetFloat32("b", []int64{classes}, make([]float32, classes)))
	require.NoError(t, scope.SetFloat32("lr", []int64{1}, []float32{0.5}))
	exec, err := NewExecutor(step, scope, 1)
	require.NoError(t, err)
	defer exec.Destroy()

	var first, last float32
	for i := 0; i < 30; i++ {
		require.NoError(t, exec.Run())
		loss, err := scope.Float32("loss")
		require.NoError(t, err)
		if i == 0 {
			first = loss[0]
		}
		last = loss[0]
	}
	require.InDelta(t, math.Log(2), first, 1e-6, "zero weights: the first loss is ln 2")
	require.Less(t, last, first/10, "30 sgd steps fit two separated blobs")
	sm, err := scope.Float32("softmax")
	require.NoError(t, err)
	for i := 0; i < n; i++ {
		require.Greater(t, sm[i*classes+int(label[i])], float32(0.5), "example %d", i)
	}
}
