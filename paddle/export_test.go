package paddle

import (
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/gohub/gohub/paddle/framework"
)

// A batch norm trained two sgd steps in training mode (batch statistics, running statistics
// updated), then exported: the exported model runs it in test mode, on the running
// statistics, and holds only what the fetch needs.
func TestSaveInferenceModelBatchNorm(t *testing.T) {
	const n, c, hw = 4, 3, 2
	fwd := framework.NewProgram()
	decl := func(name string, dims []int64, persist bool) {
		_, err := fwd.AddVar(name, framework.VarType_FP32, dims, persist)
		require.NoError(t, err)
	}
	decl("x", []int64{-1, c, hw, hw}, false)
	for _, p := range []string{"scale", "bias", "mean", "var"} {
		decl(p, []int64{c}, true)
	}
	decl("lr", []int64{1}, true)
	for _, v := range []string{"y", "saved_mean", "saved_var", "sq", "loss"} {
		decl(v, nil, false)
	}
	for _, v := range []string{"x", "mean", "var", "lr"} {
		fwd.Var(v).StopGradient = proto.Bool(true)
	}
	fwd.Var("mean").IsParameter = proto.Bool(false)
	fwd.Var("var").IsParameter = proto.Bool(false)
	_, err := fwd.AddOp("batch_norm",
		framework.Slots{"X": {"x"}, "Scale": {"scale"}, "Bias": {"bias"}, "Mean": {"mean"}, "Variance": {"var"}},
		framework.Slots{"Y": {"y"}, "MeanOut": {"mean"}, "VarianceOut": {"var"}, "SavedMean": {"saved_mean"},
			"SavedVariance": {"saved_var"}},
		framework.FloatAttr("epsilon", 1e-5), framework.FloatAttr("momentum", 0.9),
		framework.BoolAttr("is_test", false), framework.StringAttr("data_layout", "NCHW"))
	require.NoError(t, err)
	_, err = fwd.AddOp("elementwise_mul", framework.Slots{"X": {"y"}, "Y": {"y"}}, framework.Slots{"Out": {"sq"}},
		framework.IntAttr("axis", -1))
	require.NoError(t, err)
	_, err = fwd.AddOp("mean", framework.Slots{"X": {"sq"}}, framework.Slots{"Out": {"loss"}})
	require.NoError(t, err)
	desc, err := fwd.Bytes()
	require.NoError(t, err)

	prog, err := NewProgram(desc)
	require.NoError(t, err)
	defer prog.Destroy()
	require.NoError(t, prog.AppendBackward("loss"))
	withGrads, err := prog.Bytes()
	require.NoError(t, err)
	train, err := framework.ParseProgram(withGrads)
	require.NoError(t, err)
	for _, p := range []string{"scale", "bias"} {
		_, err := train.AddOp("sgd", framework.Slots{"Param": {p}, "Grad": {p + "@GRAD"}, "LearningRate": {"lr"}},
			framework.Slots{"ParamOut": {p}})
		require.NoError(t, err)
	}
	trainBytes, err := train.Bytes()
	require.NoError(t, err)

	scope, err := NewScope()
	require.NoError(t, err)
	defer scope.Destroy()
	rng := rand.New(rand.NewSource(3))
	x := make([]float32, n*c*hw*hw)
	for i := range x {
		x[i] = float32(rng.NormFloat64()*2 + 1)
	}
	shape := []int64{n, c, hw, hw}
	require.NoError(t, scope.SetFloat32("x", shape, x))
	require.NoError(t, scope.SetFloat32("scale", []int64{c}, []float32{1, 0.5, 2}))
	require.NoError(t, scope.SetFloat32("bias", []int64{c}, []float32{0.1, -0.2, 0.3}))
	require.NoError(t, scope.SetFloat32("mean", []int64{c}, []float32{0, 0, 0}))
	require.NoError(t, scope.SetFloat32("var", []int64{c}, []float32{1, 1, 1}))
	require.NoError(t, scope.SetFloat32("lr", []int64{1}, []float32{0.1}))
	step, err := NewProgram(trainBytes)
	require.NoError(t, err)
	defer step.Destroy()
	exec, err := NewExecutor(step, scope, 1)
	require.NoError(t, err)
	defer exec.Destroy()
	for i := 0; i < 2; i++ {
		require.NoError(t, exec.Run())
	}

	dir := filepath.Join(t.TempDir(), "model")
	require.NoError(t, SaveInferenceModel(train, scope, dir, []string{"x"}, []string{"y"}))
	files, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, f := range files {
		names = append(names, f.Name())
	}
	require.ElementsMatch(t, []string{"__model__", "scale", "bias", "mean", "var"}, names,
		"the model and the parameters the fetch needs; no lr, no gradients")

	got := runExported(t, dir, "x", []string{"y"}, goldenValue{shape: shape, f32: x})[0]
	read := func(name string) []float32 {
		v, err := scope.Float32(name)
		require.NoError(t, err)
		return v
	}
	scale, bias, mean, vr := read("scale"), read("bias"), read("mean"), read("var")
	require.NotEqual(t, float32(0), mean[0], "training updated the running mean")
	for i, v := range x {
		ch := (i / (hw * hw)) % c
		want := (float64(v)-float64(mean[ch]))/math.Sqrt(float64(vr[ch])+1e-5)*float64(scale[ch]) + float64(bias[ch])
		require.InDelta(t, want, got[i], 1e-5, "value %d: batch norm on the running statistics", i)
	}
}
