package framework

import (
	"strings"

	"github.com/pkg/errors"
	"google.golang.org/protobuf/proto"
)

// Paddle's op roles (the op_role attribute, a bit set): ops with these bits belong to training
// only, whatever variables they write.
const (
	opRoleBackward = 0x0001
	opRoleOptimize = 0x0002
	opRoleLRSched  = 0x0010
)

// optimizerOps are the ops that update parameters in place; a program built without op_role
// attributes is still pruned right.
var optimizerOps = map[string]bool{
	"sgd": true, "momentum": true, "adam": true, "adamw": true, "lamb": true, "lars_momentum": true,
	"rmsprop": true, "adagrad": true, "adadelta": true, "adamax": true, "ftrl": true,
	"merged_momentum": true, "merged_adam": true,
}

// InferenceProgram returns what Paddle's save_inference_model writes for a (training) program:
// a clone without backward and optimizer ops, pruned to the ops that compute fetches from
// feeds (Prune), with is_test set on every op that has it (batch_norm and dropout get it even
// when absent: running statistics, no dropout), and feed ops (variable "feed", attribute col)
// before and fetch ops (variable "fetch") after, as Paddle's prepend_feed_ops and
// append_fetch_ops add them. p is left unchanged.
func InferenceProgram(p *Program, feeds, fetches []string) (*Program, error) {
	if len(fetches) == 0 {
		return nil, errors.New("framework: inference program: no fetch targets")
	}
	for _, f := range feeds {
		if p.Var(f) == nil {
			return nil, errors.Errorf("framework: inference program: feed %q is not a variable", f)
		}
	}
	q := p.Clone()
	b := q.block()
	var ops []*OpDesc
	for _, op := range b.Ops {
		if !trainingOnly(op) {
			ops = append(ops, op)
		}
	}
	b.Ops = ops
	if err := q.Prune(feeds, fetches); err != nil {
		return nil, errors.Wrap(err, "framework: inference program")
	}
	for _, f := range feeds {
		if !q.producesOrReads(f) {
			return nil, errors.Errorf("framework: inference program: no kept op reads feed %q", f)
		}
	}
	SetTraining(q, false)

	// feed and fetch holders, then the ops (Paddle prepends feed ops one by one).
	feedVar := &VarDesc{Name: proto.String("feed"), Persistable: proto.Bool(true),
		Type: &VarType{Type: VarType_FEED_MINIBATCH.Enum()}}
	fetchVar := &VarDesc{Name: proto.String("fetch"), Persistable: proto.Bool(true),
		Type: &VarType{Type: VarType_FETCH_LIST.Enum()}}
	for _, v := range b.Vars {
		if v.GetName() == "feed" || v.GetName() == "fetch" {
			return nil, errors.Errorf("framework: inference program: the program has a variable %q", v.GetName())
		}
	}
	b.Vars = append([]*VarDesc{feedVar, fetchVar}, b.Vars...)
	for i, f := range feeds {
		op := &OpDesc{Type: proto.String("feed"),
			Inputs:  []*OpDesc_Var{{Parameter: proto.String("X"), Arguments: []string{"feed"}}},
			Outputs: []*OpDesc_Var{{Parameter: proto.String("Out"), Arguments: []string{f}}},
			Attrs:   []*OpDesc_Attr{IntAttr("col", int32(i))}}
		b.Ops = append([]*OpDesc{op}, b.Ops...)
	}
	if err := q.AddFetch(fetches...); err != nil {
		return nil, errors.Wrap(err, "framework: inference program")
	}
	return q, nil
}

// trainingOnly reports whether op belongs to the backward pass or the optimizer.
func trainingOnly(op *OpDesc) bool {
	if optimizerOps[op.GetType()] {
		return true
	}
	for _, a := range op.Attrs {
		if a.GetName() == "op_role" && a.GetI()&(opRoleBackward|opRoleOptimize|opRoleLRSched) != 0 {
			return true
		}
	}
	for _, o := range op.Outputs {
		for _, name := range o.Arguments {
			if strings.HasSuffix(name, "@GRAD") || strings.Contains(name, "@GRAD@") {
				return true
			}
		}
	}
	return false
}

func (p *Program) producesOrReads(name string) bool {
	for _, op := range p.block().Ops {
		for _, vs := range [][]*OpDesc_Var{op.Inputs, op.Outputs} {
			for _, v := range vs {
				for _, a := range v.Arguments {
					if a == name {
						return true
					}
				}
			}
		}
	}
	return false
}
