package importer

import (
	"encoding/binary"
	"os"
	"strings"

	"github.com/pkg/errors"
)

// A Paddle program (framework.proto, ProgramDesc) says what a plain model directory is:
// the op that computes its fetch target, and its feed's shape. The few fields needed are
// read with the wire-format decoder of modpb.go:
//
//	ProgramDesc   { repeated BlockDesc blocks = 1; }
//	BlockDesc     { repeated VarDesc vars = 3; repeated OpDesc ops = 4; }
//	OpDesc        { repeated Var inputs = 1; repeated Var outputs = 2; string type = 3; }
//	OpDesc.Var    { string parameter = 1; repeated string arguments = 2; }
//	VarDesc       { string name = 1; VarType type = 2; }
//	VarType       { LoDTensorDesc lod_tensor = 3; }
//	LoDTensorDesc { TensorDesc tensor = 1; }
//	TensorDesc    { repeated int64 dims = 2; }

// ProgramInfo is what gohub reads from a program's main block.
type ProgramInfo struct {
	// FetchOps are the types of the ops that compute the fetch targets, looking through
	// the scale and assign ops that save_inference_model may append.
	FetchOps []string
	// FeedDims are the declared dims of the fed variables, in feed order.
	FeedDims [][]int64
}

type pbOp struct {
	typ             string
	inputs, outputs map[string][]string
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
	var block []byte
	err := pbEach(data, func(num int, v pbValue) error {
		if num == 1 && block == nil {
			block = v.bytes
		}
		return nil
	})
	if err != nil || block == nil {
		return nil, errors.Errorf("not a Paddle program (%v)", orNoBlock(err))
	}
	var ops []pbOp
	dims := map[string][]int64{}
	err = pbEach(block, func(num int, v pbValue) error {
		switch num {
		case 3:
			name, d, err := parseVarDims(v.bytes)
			dims[name] = d
			return err
		case 4:
			op, err := parseOp(v.bytes)
			ops = append(ops, op)
			return err
		}
		return nil
	})
	if err != nil {
		return nil, errors.WithMessage(err, "not a Paddle program")
	}
	producer := map[string]pbOp{}
	for _, op := range ops {
		for _, args := range op.outputs {
			for _, a := range args {
				producer[a] = op
			}
		}
	}
	info := &ProgramInfo{}
	for _, op := range ops {
		switch op.typ {
		case "feed":
			for _, out := range op.outputs["Out"] {
				info.FeedDims = append(info.FeedDims, dims[out])
			}
		case "fetch":
			for _, in := range op.inputs["X"] {
				info.FetchOps = append(info.FetchOps, sourceOp(producer, in))
			}
		}
	}
	return info, nil
}

func orNoBlock(err error) error {
	if err == nil {
		return errors.New("no block")
	}
	return err
}

// sourceOp is the type of the op computing v, through scale and assign copies.
func sourceOp(producer map[string]pbOp, v string) string {
	for range 8 {
		op, ok := producer[v]
		if !ok {
			return ""
		}
		if (op.typ != "scale" && op.typ != "assign") || len(op.inputs["X"]) != 1 {
			return op.typ
		}
		v = op.inputs["X"][0]
	}
	return ""
}

func parseOp(b []byte) (pbOp, error) {
	op := pbOp{inputs: map[string][]string{}, outputs: map[string][]string{}}
	err := pbEach(b, func(num int, v pbValue) error {
		switch num {
		case 1, 2:
			var param string
			var args []string
			if err := pbEach(v.bytes, func(n int, f pbValue) error {
				switch n {
				case 1:
					param = string(f.bytes)
				case 2:
					args = append(args, string(f.bytes))
				}
				return nil
			}); err != nil {
				return err
			}
			if num == 1 {
				op.inputs[param] = args
			} else {
				op.outputs[param] = args
			}
		case 3:
			op.typ = string(v.bytes)
		}
		return nil
	})
	return op, err
}

// parseVarDims returns a VarDesc's name and, for a dense tensor, its declared dims.
func parseVarDims(b []byte) (string, []int64, error) {
	var name string
	var dims []int64
	field := func(msg []byte, want int, fn func(pbValue) error) error {
		return pbEach(msg, func(num int, v pbValue) error {
			if num == want {
				return fn(v)
			}
			return nil
		})
	}
	err := pbEach(b, func(num int, v pbValue) error {
		switch num {
		case 1:
			name = string(v.bytes)
		case 2: // VarType -> lod_tensor -> tensor -> dims
			return field(v.bytes, 3, func(lt pbValue) error {
				return field(lt.bytes, 1, func(t pbValue) error {
					return field(t.bytes, 2, func(d pbValue) error {
						if d.bytes == nil {
							dims = append(dims, int64(d.varint))
							return nil
						}
						for p := d.bytes; len(p) > 0; { // packed
							u, n := binary.Uvarint(p)
							if n <= 0 {
								return errors.New("truncated dims")
							}
							dims, p = append(dims, int64(u)), p[n:]
						}
						return nil
					})
				})
			})
		}
		return nil
	})
	return name, dims, err
}

// isNMS reports whether an op type is one of Paddle's detection output ops.
func isNMS(typ string) bool {
	return strings.HasPrefix(typ, "multiclass_nms") || typ == "matrix_nms"
}
