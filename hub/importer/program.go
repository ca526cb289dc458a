package importer

import (
	"os"
	"strings"

	"github.com/gohub/gohub/hub/store"
	"github.com/gohub/gohub/paddle/framework"
	"github.com/pkg/errors"
	"google.golang.org/protobuf/proto"
)

// A Paddle program (framework.ProgramDesc) says what a plain model directory is: the op
// that computes its fetch target, and its feed's shape.

// ProgramInfo is what gohub reads from a program's main block.
type ProgramInfo struct {
	// FetchOps are the types of the ops that compute the fetch targets, looking through
	// the scale and assign ops that save_inference_model may append.
	FetchOps []string
	// FeedDims are the declared dims of the fed variables, in feed order.
	FeedDims [][]int64
	// Inputs and Outputs are the fed and fetched variables as the manifest declares them, in
	// feed and fetch order; a variable of a type the manifest cannot name is left out.
	Inputs, Outputs []store.TensorSpec
}

// specDTypes names the program's tensor types the way the manifest does (store.DTypes).
var specDTypes = map[framework.VarType_Type]string{
	framework.VarType_FP32: "float32", framework.VarType_FP16: "float16",
	framework.VarType_INT64: "int64", framework.VarType_INT32: "int32",
	framework.VarType_UINT8: "uint8", framework.VarType_INT8: "int8", framework.VarType_BOOL: "bool",
}

// ReadProgramInfo reads the program file at path.
func ReadProgramInfo(path string) (*ProgramInfo, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, errors.Wrap(err, "read program")
	}
	info, err := parseProgramInfo(data)
	return info, errors.WithMessage(err, path)
}

func parseProgramInfo(data []byte) (*ProgramInfo, error) {
	var prog framework.ProgramDesc
	// Partial: what matters here is the ops and vars, whatever required field a writer left out.
	if err := (proto.UnmarshalOptions{AllowPartial: true}).Unmarshal(data, &prog); err != nil {
		return nil, errors.Wrap(err, "not a Paddle program")
	}
	if len(prog.GetBlocks()) == 0 {
		return nil, errors.New("not a Paddle program (no block)")
	}
	block := prog.GetBlocks()[0]
	dims := map[string][]int64{}
	specs := map[string]*store.TensorSpec{}
	for _, v := range block.GetVars() {
		lod := v.GetType().GetLodTensor()
		dims[v.GetName()] = lod.GetTensor().GetDims()
		if dtype, ok := specDTypes[lod.GetTensor().GetDataType()]; ok {
			specs[v.GetName()] = &store.TensorSpec{Name: v.GetName(), DType: dtype,
				Shape: lod.GetTensor().GetDims(), LoDLevel: int(lod.GetLodLevel())}
		}
	}
	producer := map[string]*framework.OpDesc{}
	for _, op := range block.GetOps() {
		for _, out := range op.GetOutputs() {
			for _, a := range out.GetArguments() {
				producer[a] = op
			}
		}
	}
	info := &ProgramInfo{}
	for _, op := range block.GetOps() {
		switch op.GetType() {
		case "feed":
			for _, out := range arguments(op.GetOutputs(), "Out") {
				info.FeedDims = append(info.FeedDims, dims[out])
				if spec := specs[out]; spec != nil {
					info.Inputs = append(info.Inputs, *spec)
				}
			}
		case "fetch":
			for _, in := range arguments(op.GetInputs(), "X") {
				info.FetchOps = append(info.FetchOps, sourceOp(producer, in))
				if spec := specs[in]; spec != nil {
					info.Outputs = append(info.Outputs, *spec)
				}
			}
		}
	}
	return info, nil
}

// arguments returns the variables an op passes as parameter param.
func arguments(vars []*framework.OpDesc_Var, param string) []string {
	for _, v := range vars {
		if v.GetParameter() == param {
			return v.GetArguments()
		}
	}
	return nil
}

// sourceOp is the type of the op computing v, through scale and assign copies.
func sourceOp(producer map[string]*framework.OpDesc, v string) string {
	for range 8 {
		op, ok := producer[v]
		if !ok {
			return ""
		}
		x := arguments(op.GetInputs(), "X")
		if (op.GetType() != "scale" && op.GetType() != "assign") || len(x) != 1 {
			return op.GetType()
		}
		v = x[0]
	}
	return ""
}

// isNMS reports whether an op type is one of Paddle's detection output ops.
func isNMS(typ string) bool {
	return strings.HasPrefix(typ, "multiclass_nms") || typ == "matrix_nms"
}
