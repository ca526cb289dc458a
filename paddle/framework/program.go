package framework

import (
	"maps"
	"slices"

	"github.com/pkg/errors"
	"google.golang.org/protobuf/proto"
)

// Program is a ProgramDesc being read or built: variables and ops of block 0 (the only block
// the programs gohub trains have), cloned and pruned the way Paddle's Program.clone and
// save_inference_model prune do. The zero value is not usable; use NewProgram or
// ParseProgram.
type Program struct {
	desc *ProgramDesc
}

// NewProgram returns an empty program with one block.
func NewProgram() *Program {
	return &Program{desc: &ProgramDesc{Blocks: []*BlockDesc{{Idx: proto.Int32(0), ParentIdx: proto.Int32(-1)}}}}
}

// ParseProgram decodes serialized ProgramDesc bytes (a __model__ or *.pdmodel file).
func ParseProgram(b []byte) (*Program, error) {
	desc := &ProgramDesc{}
	if err := proto.Unmarshal(b, desc); err != nil {
		return nil, errors.Wrap(err, "framework: not a ProgramDesc")
	}
	if len(desc.Blocks) == 0 {
		return nil, errors.New("framework: the program has no blocks")
	}
	return &Program{desc: desc}, nil
}

// Bytes serializes the program.
func (p *Program) Bytes() ([]byte, error) {
	b, err := proto.Marshal(p.desc)
	return b, errors.Wrap(err, "framework: serialize program")
}

// Clone returns a deep copy.
func (p *Program) Clone() *Program {
	return &Program{desc: proto.Clone(p.desc).(*ProgramDesc)}
}

// Desc is the underlying message, for reading fields the methods do not cover.
func (p *Program) Desc() *ProgramDesc { return p.desc }

func (p *Program) block() *BlockDesc { return p.desc.Blocks[0] }

// Ops returns block 0's ops in order.
func (p *Program) Ops() []*OpDesc { return p.block().Ops }

// Var returns the variable named name, or nil.
func (p *Program) Var(name string) *VarDesc {
	for _, v := range p.block().Vars {
		if v.GetName() == name {
			return v
		}
	}
	return nil
}

// Parameters returns the names of block 0's persistable tensors, in declaration order.
func (p *Program) Parameters() []string {
	var names []string
	for _, v := range p.block().Vars {
		if v.GetPersistable() && v.GetType().GetType() == VarType_LOD_TENSOR {
			names = append(names, v.GetName())
		}
	}
	return names
}

// AddVar declares a dense tensor variable (dims -1 for unknown) and returns it; a variable of
// that name already declared is an error.
func (p *Program) AddVar(name string, dtype VarType_Type, dims []int64, persistable bool) (*VarDesc, error) {
	if p.Var(name) != nil {
		return nil, errors.Errorf("framework: variable %q is already declared", name)
	}
	v := &VarDesc{
		Name: proto.String(name),
		Type: &VarType{
			Type: VarType_LOD_TENSOR.Enum(),
			LodTensor: &VarType_LoDTensorDesc{
				Tensor: &VarType_TensorDesc{DataType: dtype.Enum(), Dims: append([]int64(nil), dims...)},
			},
		},
		Persistable: proto.Bool(persistable),
	}
	if persistable {
		v.IsParameter = proto.Bool(true)
	}
	p.block().Vars = append(p.block().Vars, v)
	return v, nil
}

// Slots maps an op's slot names to variable names.
type Slots map[string][]string

// AddOp appends an op; every variable it names must be declared.
func (p *Program) AddOp(typ string, inputs, outputs Slots, attrs ...*OpDesc_Attr) (*OpDesc, error) {
	op := &OpDesc{Type: proto.String(typ), Attrs: attrs}
	for _, side := range []struct {
		slots Slots
		dst   *[]*OpDesc_Var
	}{{inputs, &op.Inputs}, {outputs, &op.Outputs}} {
		for _, slot := range slices.Sorted(maps.Keys(side.slots)) {
			for _, name := range side.slots[slot] {
				if p.Var(name) == nil {
					return nil, errors.Errorf("framework: op %s: variable %q is not declared", typ, name)
				}
			}
			*side.dst = append(*side.dst, &OpDesc_Var{Parameter: proto.String(slot), Arguments: side.slots[slot]})
		}
	}
	p.block().Ops = append(p.block().Ops, op)
	return op, nil
}

// Prune keeps the ops that the fetch targets depend on, stopping at the feed targets (which
// become inputs), and drops the variables no kept op names. Feed and fetch ops are dropped too:
// the caller feeds and fetches by name.
func (p *Program) Prune(feeds, fetches []string) error {
	need := map[string]bool{}
	for _, f := range fetches {
		if p.Var(f) == nil {
			return errors.Errorf("framework: prune: fetch target %q is not a variable", f)
		}
		need[f] = true
	}
	fed := map[string]bool{}
	for _, f := range feeds {
		fed[f] = true
	}
	ops := p.block().Ops
	keep := make([]bool, len(ops))
	for i := len(ops) - 1; i >= 0; i-- {
		op := ops[i]
		if op.GetType() == "feed" || op.GetType() == "fetch" {
			continue
		}
		hit := false
		for _, o := range op.Outputs {
			for _, a := range o.Arguments {
				hit = hit || (need[a] && !fed[a])
			}
		}
		if !hit {
			continue
		}
		keep[i] = true
		for _, in := range op.Inputs {
			for _, a := range in.Arguments {
				need[a] = true
			}
		}
	}
	var kept []*OpDesc
	used := map[string]bool{}
	for i, op := range ops {
		if !keep[i] {
			continue
		}
		kept = append(kept, op)
		for _, vs := range [][]*OpDesc_Var{op.Inputs, op.Outputs} {
			for _, v := range vs {
				for _, a := range v.Arguments {
					used[a] = true
				}
			}
		}
	}
	for _, f := range append(append([]string(nil), feeds...), fetches...) {
		used[f] = true
	}
	var vars []*VarDesc
	for _, v := range p.block().Vars {
		if used[v.GetName()] {
			vars = append(vars, v)
		}
	}
	p.block().Ops, p.block().Vars = kept, vars
	return nil
}

// Attribute constructors for AddOp.

// IntAttr is an INT attribute.
func IntAttr(name string, v int32) *OpDesc_Attr {
	return &OpDesc_Attr{Name: proto.String(name), Type: AttrType_INT.Enum(), I: proto.Int32(v)}
}

// FloatAttr is a FLOAT attribute.
func FloatAttr(name string, v float32) *OpDesc_Attr {
	return &OpDesc_Attr{Name: proto.String(name), Type: AttrType_FLOAT.Enum(), F: proto.Float32(v)}
}

// BoolAttr is a BOOLEAN attribute.
func BoolAttr(name string, v bool) *OpDesc_Attr {
	return &OpDesc_Attr{Name: proto.String(name), Type: AttrType_BOOLEAN.Enum(), B: proto.Bool(v)}
}

// StringAttr is a STRING attribute.
func StringAttr(name, v string) *OpDesc_Attr {
	return &OpDesc_Attr{Name: proto.String(name), Type: AttrType_STRING.Enum(), S: proto.String(v)}
}

// IntsAttr is an INTS attribute.
func IntsAttr(name string, v ...int32) *OpDesc_Attr {
	return &OpDesc_Attr{Name: proto.String(name), Type: AttrType_INTS.Enum(), Ints: v}
}
