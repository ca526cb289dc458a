package framework

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func dataType(op *OpDesc) (string, bool) {
	for _, a := range op.Attrs {
		if a.GetName() == "mkldnn_data_type" {
			return a.GetS(), true
		}
	}
	return "", false
}

func TestMarkBfloat16(t *testing.T) {
	p := buildNet(t)
	// Paddle's saved programs carry the attribute as "float32"; it is overwritten, not doubled.
	p.Ops()[0].Attrs = append(p.Ops()[0].Attrs, StringAttr("mkldnn_data_type", "float32"))
	require.Equal(t, 1, MarkBfloat16(p), "the net's one product, mul (it has no convolutions)")
	require.Equal(t, 1, MarkBfloat16(p, "mul"))
	require.Equal(t, 2, MarkBfloat16(p, "mul", "relu"))
	for _, op := range p.Ops() {
		got, ok := dataType(op)
		switch op.GetType() {
		case "mul", "relu":
			require.True(t, ok, op.GetType())
			require.Equal(t, "bfloat16", got)
			n := 0
			for _, a := range op.Attrs {
				if a.GetName() == "mkldnn_data_type" {
					n++
				}
			}
			require.Equal(t, 1, n, "one attribute on %s", op.GetType())
		default:
			require.False(t, ok, "%s is not marked", op.GetType())
		}
	}
}
