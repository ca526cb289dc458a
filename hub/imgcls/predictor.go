package imgcls

import (
	"github.com/pkg/errors"

	"github.com/gohub/gohub/hub/internal/infer"
	"github.com/gohub/gohub/hub/internal/modelload"
	"github.com/gohub/gohub/paddle"
	"github.com/gohub/gohub/readers/picture"
)

// newPredictor loads the model of f.
func newPredictor(f Files, o Options) (*paddle.Predictor, error) {
	return modelload.Open("imgcls", modelload.Model{Dir: f.ModelDir, Program: f.Program, Params: f.Params}, o.Device())
}

// run runs one batch and returns its scores, one row of classes per picture.
func run(pred *paddle.Predictor, input, output string, b *picture.Batch) ([]float32, int, error) {
	if err := infer.Run(pred, input, []int32{int32(b.N), 3, int32(b.H), int32(b.W)}, b.Data); err != nil {
		return nil, 0, err
	}
	out, err := infer.Fetch(pred, output)
	if err != nil {
		return nil, 0, err
	}
	// [N, C], or [N, C, 1, 1] from a model that ends in a 1×1 convolution.
	shape := out.Shape
	ok := len(shape) >= 2 && int(shape[0]) == b.N && shape[1] > 0
	for _, d := range shape[min(2, len(shape)):] {
		ok = ok && d == 1
	}
	if !ok {
		return nil, 0, errors.Errorf("imgcls: model output %s has shape %v for a batch of %d, want [%d, classes]", output, shape, b.N, b.N)
	}
	return out.Data, int(shape[1]), nil
}
