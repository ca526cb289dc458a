// Package infer runs a model on one float32 tensor and reads its float32 outputs: what
// every image kind does with a predictor.
package infer

import (
	"github.com/pkg/errors"

	"github.com/gohub/gohub/paddle"
)

// Output is one model output copied out of the predictor.
type Output struct {
	Name  string
	Shape []int32
	LoD   [][]uint
	Data  []float32
}

// Run feeds x, of the given shape, to pred's input (its first when input is "") and runs
// the model.
func Run(pred *paddle.Predictor, input string, shape []int32, x []float32) error {
	if input == "" {
		names, err := pred.GetInputNames()
		if err != nil {
			return err
		}
		if len(names) == 0 {
			return errors.New("the model has no input")
		}
		input = names[0]
	}
	in, err := pred.GetInputHandle(input)
	if err != nil {
		return err
	}
	defer in.Destroy()
	if err := in.Reshape(shape); err != nil {
		return err
	}
	if err := paddle.CopyFromCpu(in, x); err != nil {
		return err
	}
	return pred.Run()
}

// Fetch copies the output name after Run.
func Fetch(pred *paddle.Predictor, name string) (*Output, error) {
	out, err := pred.GetOutputHandle(name)
	if err != nil {
		return nil, err
	}
	defer out.Destroy()
	o := &Output{Name: name}
	if o.Shape, err = out.Shape(); err != nil {
		return nil, err
	}
	if o.LoD, err = out.Lod(); err != nil {
		return nil, err
	}
	n := 1
	for _, d := range o.Shape {
		n *= int(d)
	}
	o.Data = make([]float32, n)
	if n > 0 {
		if err := paddle.CopyToCpu(out, o.Data); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// FetchFirst copies the first output whose shape want accepts; nil when none does.
func FetchFirst(pred *paddle.Predictor, want func(shape []int32) bool) (*Output, error) {
	names, err := pred.GetOutputNames()
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		out, err := pred.GetOutputHandle(name)
		if err != nil {
			return nil, err
		}
		shape, err := out.Shape()
		out.Destroy()
		if err != nil {
			return nil, err
		}
		if want(shape) {
			return Fetch(pred, name)
		}
	}
	return nil, nil
}
