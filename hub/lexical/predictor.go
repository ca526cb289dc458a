package lexical

import (
	"slices"

	"github.com/pkg/errors"

	"github.com/gohub/gohub/hub/internal/modelload"
	"github.com/gohub/gohub/paddle"
)

// newPredictor loads the model of f.
func newPredictor(f Files, o Options) (*paddle.Predictor, error) {
	return modelload.Open("lexical", modelload.Model{Dir: f.ModelDir, Program: f.Program, Params: f.Params}, o.Device())
}

// ioNames returns the names of the model's only input and output.
func ioNames(pred *paddle.Predictor) (string, string, error) {
	in, err := pred.GetInputNames()
	if err != nil {
		return "", "", err
	}
	out, err := pred.GetOutputNames()
	if err != nil {
		return "", "", err
	}
	if len(in) != 1 || len(out) != 1 {
		return "", "", errors.Errorf("lexical: want a model with one input and one output, got %v and %v", in, out)
	}
	return in[0], out[0], nil
}

// infer feeds ids (LoD offsets lod) to pred and returns one tag id per input id.
func infer(pred *paddle.Predictor, input, output string, ids []int64, lod []uint) ([]int64, error) {
	in, err := pred.GetInputHandle(input)
	if err != nil {
		return nil, err
	}
	defer in.Destroy()
	if err := in.Reshape([]int32{int32(len(ids)), 1}); err != nil {
		return nil, err
	}
	if err := paddle.CopyFromCpu(in, ids); err != nil {
		return nil, err
	}
	if err := in.SetLod([][]uint{lod}); err != nil {
		return nil, err
	}
	if err := pred.Run(); err != nil {
		return nil, err
	}
	out, err := pred.GetOutputHandle(output)
	if err != nil {
		return nil, err
	}
	defer out.Destroy()
	tags := make([]int64, len(ids)) // CopyToCpu refuses an output of another size
	if err := paddle.CopyToCpu(out, tags); err != nil {
		return nil, err
	}
	outLoD, err := out.Lod()
	if err != nil {
		return nil, err
	}
	if len(outLoD) != 1 || !slices.Equal(outLoD[0], lod) {
		return nil, errors.Errorf("lexical: model output LoD %v differs from its input's %v", outLoD, lod)
	}
	return tags, nil
}
