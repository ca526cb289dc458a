package framework

import (
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
)

// A trained program: forward (mul, batch_norm, relu, mean), a grad op, an sgd op that writes a
// parameter the forward reads; InferenceProgram keeps only what feeds the fetch, in test mode.
func TestInferenceProgram(t *testing.T) {
	p := NewProgram()
	for _, v := range []struct {
		name    string
		persist bool
	}{{"x", false}, {"w", true}, {"m", false}, {"scale", true}, {"bias", true}, {"mean", true},
		{"var", true}, {"y", false}, {"sm", false}, {"sv", false}, {"r", false}, {"loss", false},
		{"r@GRAD", false}, {"w@GRAD", false}, {"lr", true}} {
		_, err := p.AddVar(v.name, VarType_FP32, nil, v.persist)
		require.NoError(t, err)
	}
	add := func(typ string, in, out Slots, attrs ...*OpDesc_Attr) *OpDesc {
		op, err := p.AddOp(typ, in, out, attrs...)
		require.NoError(t, err)
		return op
	}
	add("mul", Slots{"X": {"x"}, "Y": {"w"}}, Slots{"Out": {"m"}})
	add("batch_norm", Slots{"X": {"m"}, "Scale": {"scale"}, "Bias": {"bias"}, "Mean": {"mean"}, "Variance": {"var"}},
		Slots{"Y": {"y"}, "MeanOut": {"mean"}, "VarianceOut": {"var"}, "SavedMean": {"sm"}, "SavedVariance": {"sv"}},
		BoolAttr("is_test", false))
	relu := add("relu", Slots{"X": {"y"}}, Slots{"Out": {"r"}}, IntAttr("is_test", 0))
	add("mean", Slots{"X": {"r"}}, Slots{"Out": {"loss"}})
	add("relu_grad", Slots{"Out": {"r"}}, Slots{"X@GRAD": {"r@GRAD"}})
	add("sgd", Slots{"Param": {"w"}, "Grad": {"w@GRAD"}, "LearningRate": {"lr"}}, Slots{"ParamOut": {"w"}})
	before, err := p.Bytes()
	require.NoError(t, err)

	q, err := InferenceProgram(p, []string{"x"}, []string{"r"})
	require.NoError(t, err)
	after, err := p.Bytes()
	require.NoError(t, err)
	require.Equal(t, before, after, "the trained program is left alone")

	var types []string
	for _, op := range q.Ops() {
		types = append(types, op.GetType())
	}
	require.Equal(t, []string{"feed", "mul", "batch_norm", "relu", "fetch"}, types)
	require.Equal(t, []string{"w", "scale", "bias", "mean", "var"}, q.Parameters())
	require.Equal(t, VarType_FEED_MINIBATCH, q.Var("feed").GetType().GetType())
	require.Equal(t, VarType_FETCH_LIST, q.Var("fetch").GetType().GetType())
	require.Nil(t, q.Var("lr"))
	attr := func(op *OpDesc, name string) *OpDesc_Attr {
		for _, a := range op.Attrs {
			if a.GetName() == name {
				return a
			}
		}
		return nil
	}
	require.True(t, attr(q.Ops()[2], "is_test").GetB(), "batch_norm in test mode")
	require.Equal(t, AttrType_INT, attr(q.Ops()[3], "is_test").GetType(), "an INT is_test keeps its type")
	require.Equal(t, int32(1), attr(q.Ops()[3], "is_test").GetI())
	require.Equal(t, int32(0), attr(relu, "is_test").GetI(), "the original op is unchanged")
	require.Equal(t, "x", q.Ops()[0].Outputs[0].Arguments[0])
	require.Equal(t, int32(0), attr(q.Ops()[0], "col").GetI())
	require.Equal(t, "r", q.Ops()[4].Inputs[0].Arguments[0])

	_, err = InferenceProgram(p, []string{"nope"}, []string{"r"})
	require.Error(t, err)
	_, err = InferenceProgram(p, []string{"x"}, nil)
	require.Error(t, err)
	// An op_role marks backward and optimizer ops that have no telltale type or output.
	opt := add("scale", Slots{"X": {"lr"}}, Slots{"Out": {"lr"}})
	opt.Attrs = append(opt.Attrs, &OpDesc_Attr{Name: proto.String("op_role"), Type: AttrType_INT.Enum(), I: proto.Int32(2)})
	_, err = p.AddOp("elementwise_add", Slots{"X": {"r"}, "Y": {"lr"}}, Slots{"Out": {"loss"}})
	require.NoError(t, err)
	q, err = InferenceProgram(p, []string{"x"}, []string{"loss"})
	require.NoError(t, err)
	for _, op := range q.Ops() {
		require.NotEqual(t, "scale", op.GetType())
	}
}
