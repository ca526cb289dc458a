package framework

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// mean(relu(mul(x, w)) + b) with a side branch that no fetch needs.
func buildNet(t *testing.T) *Program {
	t.Helper()
	p := NewProgram()
	for _, v := range []struct {
		name    string
		dims    []int64
		persist bool
	}{{"x", []int64{-1, 4}, false}, {"w", []int64{4, 3}, true}, {"b", []int64{3}, true},
		{"m", []int64{-1, 3}, false}, {"a", []int64{-1, 3}, false}, {"r", []int64{-1, 3}, false},
		{"loss", nil, false}, {"side", []int64{-1, 3}, false}} {
		_, err := p.AddVar(v.name, VarType_FP32, v.dims, v.persist)
		require.NoError(t, err)
	}
	ops := []struct {
		typ     string
		in, out Slots
		attrs   []*OpDesc_Attr
	}{
		{"mul", Slots{"X": {"x"}, "Y": {"w"}}, Slots{"Out": {"m"}}, []*OpDesc_Attr{IntAttr("x_num_col_dims", 1), IntAttr("y_num_col_dims", 1)}},
		{"elementwise_add", Slots{"X": {"m"}, "Y": {"b"}}, Slots{"Out": {"a"}}, []*OpDesc_Attr{IntAttr("axis", -1)}},
		{"relu", Slots{"X": {"a"}}, Slots{"Out": {"r"}}, nil},
		{"scale", Slots{"X": {"m"}}, Slots{"Out": {"side"}}, []*OpDesc_Attr{FloatAttr("scale", 2)}},
		{"reduce_mean", Slots{"X": {"r"}}, Slots{"Out": {"loss"}}, []*OpDesc_Attr{BoolAttr("reduce_all", true)}},
	}
	for _, o := range ops {
		_, err := p.AddOp(o.typ, o.in, o.out, o.attrs...)
		require.NoError(t, err)
	}
	return p
}

func TestProgramBuildAndRoundTrip(t *testing.T) {
	p := buildNet(t)
	b, err := p.Bytes()
	require.NoError(t, err)
	q, err := ParseProgram(b)
	require.NoError(t, err)
	require.Len(t, q.Ops(), 5)
	require.Equal(t, []string{"w", "b"}, q.Parameters())
	require.Equal(t, "X", q.Ops()[0].Inputs[0].GetParameter())
	require.Equal(t, []int64{4, 3}, q.Var("w").GetType().GetLodTensor().GetTensor().GetDims())
}

func TestProgramRefusesUndeclaredAndDuplicates(t *testing.T) {
	p := buildNet(t)
	_, err := p.AddVar("x", VarType_FP32, nil, false)
	require.ErrorContains(t, err, "already declared")
	_, err = p.AddOp("relu", Slots{"X": {"nope"}}, Slots{"Out": {"r"}})
	require.ErrorContains(t, err, `"nope" is not declared`)
	_, err = ParseProgram([]byte{0xff, 0xff})
	require.Error(t, err)
}

// Pruning to the fetch drops the side branch and its variable; cloning leaves the original.
func TestProgramPruneAndClone(t *testing.T) {
	p := buildNet(t)
	q := p.Clone()
	require.NoError(t, q.Prune([]string{"x"}, []string{"loss"}))
	var types []string
	for _, op := range q.Ops() {
		types = append(types, op.GetType())
	}
	require.Equal(t, []string{"mul", "elementwise_add", "relu", "reduce_mean"}, types)
	require.Nil(t, q.Var("side"))
	require.NotNil(t, p.Var("side"), "the clone was pruned, not the original")
	require.Len(t, p.Ops(), 5)
	// Fed intermediates cut the graph: with m fed, mul goes.
	r := p.Clone()
	require.NoError(t, r.Prune([]string{"m"}, []string{"loss"}))
	require.Equal(t, "elementwise_add", r.Ops()[0].GetType())
	require.ErrorContains(t, p.Clone().Prune(nil, []string{"absent"}), "not a variable")
}
