package framework

import "google.golang.org/protobuf/proto"

// SetTraining switches p's ops between training and inference behaviour: is_test on every
// op that has it, in whatever type the program stored it (Paddle 1.x programs hold INT 0/1,
// newer ones BOOLEAN), added to batch_norm and dropout where absent; and batch_norm's
// use_global_stats off, so that is_test alone decides which statistics it uses.
func SetTraining(p *Program, training bool) {
	for _, op := range p.Ops() {
		seen := false
		for _, a := range op.Attrs {
			switch a.GetName() {
			case "is_test":
				setFlag(a, !training)
				seen = true
			case "use_global_stats":
				setFlag(a, false)
			}
		}
		if t := op.GetType(); !seen && (t == "batch_norm" || t == "dropout") {
			op.Attrs = append(op.Attrs, BoolAttr("is_test", !training))
		}
	}
}

// setFlag stores a boolean in an attribute of the type it already has.
func setFlag(a *OpDesc_Attr, on bool) {
	v := int64(0)
	if on {
		v = 1
	}
	switch a.GetType() {
	case AttrType_INT:
		a.I = proto.Int32(int32(v))
	case AttrType_LONG:
		a.L = proto.Int64(v)
	default:
		a.Type, a.B = AttrType_BOOLEAN.Enum(), proto.Bool(on)
	}
}
