package detect

import (
	"github.com/pkg/errors"

	"github.com/gohub/gohub/hub/internal/draw"
	"github.com/gohub/gohub/hub/internal/infer"
	"github.com/gohub/gohub/hub/internal/predpool"
	"github.com/gohub/gohub/paddle"
	"github.com/gohub/gohub/readers/picture"
)

// Detect reads the picture files at paths and returns each one's detections, in order.
// Pictures are fed BatchSize at a time, up to Threads batches at once. A file that cannot
// be read or decoded fails the whole call with an error naming it.
func (d *Detector) Detect(paths []string) ([]Result, error) {
	results := make([]Result, len(paths))
	err := d.pool.Run(len(paths), d.opts.BatchSize, func(pred *paddle.Predictor, lo, hi int) error {
		return d.detectBatch(pred, paths[lo:hi], results[lo:hi])
	})
	if errors.Is(err, predpool.ErrClosed) {
		return nil, errors.New("detect: Detect on a closed detector")
	}
	if err != nil {
		return nil, err
	}
	return results, nil
}

// detectBatch preprocesses paths, runs them on pred and turns the rows into results.
func (d *Detector) detectBatch(pred *paddle.Predictor, paths []string, results []Result) error {
	inputs := make([]*picture.Image, len(paths))
	sizes := make([][2]int, len(paths))
	// The decoded pictures are kept to draw on only when visualizing: otherwise each can go
	// once resized, rather than live through the batch's run.
	var decoded []*picture.Image
	if d.opts.Visualize {
		decoded = make([]*picture.Image, len(paths))
	}
	for i, path := range paths {
		im, err := picture.Load(path)
		if err != nil {
			return errors.WithMessage(err, "detect")
		}
		sizes[i] = [2]int{im.Width, im.Height}
		if decoded != nil {
			decoded[i] = im
		}
		if inputs[i], err = d.cfg.Geometry(im); err != nil {
			return errors.Wrapf(err, "detect: %s", path)
		}
	}
	b, err := d.cfg.NewBatch(inputs)
	if err != nil {
		return errors.WithMessage(err, "detect")
	}
	rows, err := run(pred, d.input, d.output, b)
	if err != nil {
		return err
	}
	for i, path := range paths {
		objs, err := d.objects(rows[i], sizes[i][0], sizes[i][1])
		if err != nil {
			return errors.WithMessagef(err, "detect: %s", path)
		}
		results[i] = Result{Data: objs, Path: path}
		if decoded != nil {
			if results[i].SavePath, err = d.annotate(decoded[i], path, objs); err != nil {
				return err
			}
		}
	}
	return nil
}

// annotate saves im, the picture decoded from path, with its objects drawn.
func (d *Detector) annotate(im *picture.Image, path string, objs []Object) (string, error) {
	boxes := make([]draw.Box, len(objs))
	for k, o := range objs {
		boxes[k] = draw.Box{Left: o.Left, Top: o.Top, Right: o.Right, Bottom: o.Bottom,
			Caption: draw.Caption(o.Label, o.Confidence)}
	}
	out, err := draw.Annotate(im, path, d.opts.OutputDir, boxes, draw.PaddleHub)
	return out, errors.WithMessage(err, "detect: visualize")
}

// objects is PaddleHub's postprocess for one picture of width×height: rows scoring below
// the threshold dropped, the rest scaled to the picture (in float32, as numpy does),
// clipped to it and named.
func (d *Detector) objects(rows [][6]float32, width, height int) ([]Object, error) {
	objs := []Object{}
	w, h := float32(width), float32(height)
	clip := func(v, hi float32) float64 { return float64(max(min(v, hi), 0)) }
	for _, r := range rows {
		if float64(r[1]) < d.thresh {
			continue
		}
		class := int(r[0])
		if class < 0 || class >= len(d.labels) {
			return nil, errors.Errorf("the model detected class %d but the label file %s has %d labels", class, d.labelsPath, len(d.labels))
		}
		objs = append(objs, Object{
			Label: d.labels[class], Confidence: float64(r[1]), Class: class,
			Left: clip(r[2]*w, w), Top: clip(r[3]*h, h), Right: clip(r[4]*w, w), Bottom: clip(r[5]*h, h),
		})
	}
	return objs, nil
}

// run runs one batch and returns each picture's rows [class, score, x1, y1, x2, y2].
func run(pred *paddle.Predictor, input, output string, b *picture.Batch) ([][][6]float32, error) {
	if err := infer.Run(pred, input, []int32{int32(b.N), 3, int32(b.H), int32(b.W)}, b.Data); err != nil {
		return nil, err
	}
	out, err := infer.Fetch(pred, output)
	if err != nil {
		return nil, err
	}
	return splitRows(output, out.Shape, out.LoD, out.Data, b.N)
}

// splitRows cuts multiclass_nms's output into each picture's rows. The output is [M, 6]
// with LoD [[0, n0, n0+n1, ...]] (one segment per picture), or [1, 1] holding -1 (also
// [0, 6]) when nothing in the batch was detected. A single picture needs no LoD.
func splitRows(name string, shape []int32, lod [][]uint, data []float32, n int) ([][][6]float32, error) {
	out := make([][][6]float32, n)
	if len(shape) != 2 || (shape[1] != 6 && !(shape[0] == 1 && shape[1] == 1)) {
		return nil, errors.Errorf("detect: model output %s has shape %v, want [detections, 6] rows of multiclass_nms", name, shape)
	}
	if shape[1] != 6 || shape[0] == 0 {
		return out, nil // nothing detected in the whole batch
	}
	rows := make([][6]float32, shape[0])
	for i := range rows {
		copy(rows[i][:], data[6*i:6*i+6])
	}
	switch {
	case len(lod) > 0 && len(lod[0]) == n+1 && int(lod[0][n]) == len(rows):
		for i := range n {
			lo, hi := lod[0][i], lod[0][i+1]
			if lo > hi {
				return nil, errors.Errorf("detect: model output %s has a malformed LoD %v", name, lod[0])
			}
			out[i] = rows[lo:hi]
		}
	case n == 1 && len(lod) == 0:
		out[0] = rows
	default:
		return nil, errors.Errorf("detect: model output %s: LoD %v does not split %d rows among %d pictures", name, lod, len(rows), n)
	}
	return out, nil
}
