package framework

import "google.golang.org/protobuf/proto"

// Bfloat16Ops are the op types mixed precision runs in bfloat16, with their gradients: Paddle's
// AMP white list, the convolutions and the matrix products, where the arithmetic is and
// bfloat16 pays. depthwise_conv2d has bfloat16 kernels too but, bound by memory rather than
// arithmetic, gains nothing from them (BENCHMARKS.md); Paddle's list leaves it out as well.
var Bfloat16Ops = []string{"conv2d", "mul", "matmul", "matmul_v2"}

// MarkBfloat16 sets Paddle's mkldnn_data_type attribute to "bfloat16" on p's ops of the given
// types (Bfloat16Ops when none are given) and returns how many it marked. A marked op reads its
// float32 inputs rounded to bfloat16 and writes float32, which is Paddle's mixed precision at
// level O1: the tensors between ops, the weights and the optimizer stay float32. Grad ops made
// from a marked op (AppendBackward) copy the mark.
func MarkBfloat16(p *Program, types ...string) int {
	if len(types) == 0 {
		types = Bfloat16Ops
	}
	want := map[string]bool{}
	for _, t := range types {
		want[t] = true
	}
	n := 0
	for _, op := range p.Ops() {
		if !want[op.GetType()] {
			continue
		}
		n++
		set := false
		for _, a := range op.Attrs {
			if a.GetName() == "mkldnn_data_type" {
				a.Type, a.S = AttrType_STRING.Enum(), proto.String("bfloat16")
				set = true
			}
		}
		if !set {
			op.Attrs = append(op.Attrs, StringAttr("mkldnn_data_type", "bfloat16"))
		}
	}
	return n
}
