package framework

import (
	"github.com/pkg/errors"
	"google.golang.org/protobuf/proto"
)

// AddFetch appends a fetch op per name, as Paddle's append_fetch_ops does (into the "fetch"
// holder, columns after the program's existing fetch ops). An executor keeps fetch targets
// readable after a run, whatever else it frees.
func (p *Program) AddFetch(names ...string) error {
	b := p.block()
	col := 0
	for _, op := range b.Ops {
		if op.GetType() == "fetch" {
			col++
		}
	}
	if p.Var("fetch") == nil {
		b.Vars = append(b.Vars, &VarDesc{Name: proto.String("fetch"), Persistable: proto.Bool(true),
			Type: &VarType{Type: VarType_FETCH_LIST.Enum()}})
	}
	for _, name := range names {
		if p.Var(name) == nil {
			return errors.Errorf("framework: fetch %q is not a variable", name)
		}
		b.Ops = append(b.Ops, &OpDesc{Type: proto.String("fetch"),
			Inputs:  []*OpDesc_Var{{Parameter: proto.String("X"), Arguments: []string{name}}},
			Outputs: []*OpDesc_Var{{Parameter: proto.String("Out"), Arguments: []string{"fetch"}}},
			Attrs:   []*OpDesc_Attr{IntAttr("col", int32(col))}})
		col++
	}
	return nil
}
