package facedet

import (
	"image/color"
	"math"

	"github.com/pkg/errors"

	"github.com/gohub/gohub/hub/internal/draw"
	"github.com/gohub/gohub/hub/internal/infer"
	"github.com/gohub/gohub/hub/internal/modelload"
	"github.com/gohub/gohub/hub/internal/predpool"
	"github.com/gohub/gohub/hub/kind"
	"github.com/gohub/gohub/paddle"
	"github.com/gohub/gohub/readers/labels"
	"github.com/gohub/gohub/readers/picture"
)

// DefaultOutputDir is where visualised pictures go: PaddleHub's output_dir.
const DefaultOutputDir = "detection_result"

// Files locates a face module's models: the face detector, and optionally the mask
// classifier with its label file (one label per line in the classifier's order: NO MASK,
// MASK).
type Files struct {
	Face       modelload.Model
	Mask       *modelload.Model // nil: faces only
	MaskLabels string
	Config     Config
}

// Options tune a Detector. The zero value uses the module's shrink and threshold and draws
// nothing.
type Options struct {
	// ConfThreshold and Shrink override the Config's when not nil.
	ConfThreshold *float64
	Shrink        *float64
	// Visualize saves each picture with its faces drawn under OutputDir (default
	// DefaultOutputDir) and sets Result.SavePath.
	Visualize bool
	OutputDir string
	// BatchSize is the number of pictures a predictor set takes at a time (pictures of
	// different sizes run one by one); 0 means 1. Threads is the number of predictor sets
	// run in parallel.
	kind.RunOptions
}

// Detector runs a face module. It is safe for concurrent use: each batch of pictures
// borrows one of its Threads sets of predictors (the face detector, and the mask
// classifier with it).
type Detector struct {
	cfg        Config
	opts       Options
	labels     []string
	classifies bool

	pool *predpool.Pool
}

// Predictor sets hold the face detector first, then the mask classifier.
const (
	faceModel = iota
	maskModel
)

// Open loads the models that f names.
func Open(f Files, opts Options) (*Detector, error) {
	cfg := f.Config
	if opts.ConfThreshold != nil {
		cfg.ConfThreshold = *opts.ConfThreshold
	}
	if opts.Shrink != nil {
		cfg.Shrink = *opts.Shrink
	}
	switch {
	case !(cfg.ConfThreshold >= 0 && cfg.ConfThreshold <= 1):
		return nil, errors.Errorf("facedet: confidence threshold %v: want a number from 0 to 1", cfg.ConfThreshold)
	case !(cfg.Shrink > 0 && cfg.Shrink <= 10):
		return nil, errors.Errorf("facedet: shrink %v: want a factor above 0 and at most 10", cfg.Shrink)
	case cfg.CropSize < 2 || !(cfg.CropScale > 0):
		return nil, errors.Errorf("facedet: crop size %d and crop scale %v must be positive", cfg.CropSize, cfg.CropScale)
	}
	var err error
	if opts.RunOptions, err = opts.RunOptions.WithDefaults("facedet", 1); err != nil {
		return nil, err
	}
	if opts.OutputDir == "" {
		opts.OutputDir = DefaultOutputDir
	}
	d := &Detector{cfg: cfg, opts: opts, classifies: f.Mask != nil}
	if f.Mask != nil {
		if d.labels, err = loadLabels(f.MaskLabels); err != nil {
			return nil, err
		}
	}
	face, err := modelload.Open("facedet: face detector", f.Face, opts.Device())
	if err != nil {
		return nil, err
	}
	set := []*paddle.Predictor{face}
	if f.Mask != nil {
		mask, err := modelload.Open("facedet: mask classifier", *f.Mask, opts.Device())
		if err != nil {
			face.Destroy()
			return nil, err
		}
		set = append(set, mask)
	}
	d.pool, err = predpool.NewSet(set, opts.Threads)
	return d, errors.WithMessage(err, "facedet")
}

// Config is the recipe in force (the module's, with Options' overrides).
func (d *Detector) Config() Config { return d.cfg }

// Classifies reports whether the detector labels faces MASK / NO MASK.
func (d *Detector) Classifies() bool { return d.classifies }

// DetectFaces reads the picture files at paths and returns each one's faces, in order.
// Pictures run BatchSize at a time, up to Threads batches at once. A file that cannot be
// read or decoded fails the call with an error naming it.
func (d *Detector) DetectFaces(paths []string) ([]Result, error) {
	out := make([]Result, len(paths))
	err := d.pool.RunSet(len(paths), d.opts.BatchSize, func(set []*paddle.Predictor, lo, hi int) error {
		for i := lo; i < hi; i++ {
			im, err := picture.Load(paths[i])
			if err != nil {
				return errors.WithMessage(err, "facedet")
			}
			if out[i], err = d.detect(set, im, paths[i]); err != nil {
				return err
			}
			if d.opts.Visualize {
				if out[i].SavePath, err = d.annotate(im, paths[i], out[i].Data); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if errors.Is(err, predpool.ErrClosed) {
		return nil, errors.New("facedet: DetectFaces on a closed detector")
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DetectImage finds the faces on a decoded picture; path only labels the result.
func (d *Detector) DetectImage(im *picture.Image, path string) (Result, error) {
	var res Result
	err := d.pool.RunSet(1, 1, func(set []*paddle.Predictor, _, _ int) error {
		var err error
		res, err = d.detect(set, im, path)
		return err
	})
	if errors.Is(err, predpool.ErrClosed) {
		return Result{}, errors.New("facedet: DetectImage on a closed detector")
	}
	return res, err
}

// detect finds the faces on im with one set of predictors.
func (d *Detector) detect(set []*paddle.Predictor, im *picture.Image, path string) (Result, error) {
	boxes, scores, err := d.faces(set[faceModel], im)
	if err != nil {
		return Result{}, errors.WithMessagef(err, "facedet: %s", path)
	}
	res := Result{Data: make([]Face, len(boxes)), Path: path}
	for i, b := range boxes {
		res.Data[i] = Face{Confidence: scores[i], Score: scores[i], Left: b.Left, Top: b.Top, Right: b.Right, Bottom: b.Bottom}
		if !d.classifies {
			continue
		}
		probs, err := classify(set[maskModel], cropFace(im, b, d.cfg.CropScale, d.cfg.CropSize))
		if err != nil {
			return Result{}, errors.WithMessagef(err, "facedet: %s", path)
		}
		k := 0
		for j, p := range probs {
			if p > probs[k] {
				k = j
			}
		}
		if k >= len(d.labels) {
			return Result{}, errors.Errorf("facedet: the mask classifier chose class %d but its label file has %d labels", k, len(d.labels))
		}
		res.Data[i].Label, res.Data[i].Confidence = d.labels[k], float64(probs[k])
	}
	return res, nil
}

// faces runs the detector on im and returns PaddleHub's boxes and scores.
func (d *Detector) faces(face *paddle.Predictor, im *picture.Image) ([]Box, []float64, error) {
	x, w, h, err := faceInput(im, d.cfg)
	if err != nil {
		return nil, nil, err
	}
	rows, err := runDetections(face, x, w, h)
	if err != nil {
		return nil, nil, err
	}
	return selectFaces(rows, w, h, im.Width, im.Height, d.cfg)
}

// selectFaces is PaddleHub's postprocess: rows scoring strictly above the threshold, their
// normalised corners times the resized size w×h divided by shrink (float64, as numpy 1.x
// computes python int * float32), clipped to the width×height picture and truncated.
func selectFaces(rows [][6]float32, w, h, width, height int, cfg Config) ([]Box, []float64, error) {
	var boxes []Box
	var scores []float64
	W, H := float64(width), float64(height)
	px := func(size int, v float32, lim float64) (int, error) {
		p := float64(float64(size)*float64(v)) / cfg.Shrink
		if math.IsNaN(p) {
			return 0, errors.New("the face detector returned NaN coordinates")
		}
		return int(math.Max(math.Min(p, lim), 0)), nil
	}
	for _, r := range rows {
		if !(float64(r[1]) > cfg.ConfThreshold) {
			continue
		}
		var b Box
		var err error
		for _, c := range []struct {
			dst  *int
			size int
			v    float32
			lim  float64
		}{{&b.Left, w, r[2], W}, {&b.Top, h, r[3], H}, {&b.Right, w, r[4], W}, {&b.Bottom, h, r[5], H}} {
			if *c.dst, err = px(c.size, c.v, c.lim); err != nil {
				return nil, nil, err
			}
		}
		boxes = append(boxes, b)
		scores = append(scores, float64(r[1]))
	}
	return boxes, scores, nil
}

// faceInput is PaddleHub's preprocess: resized by shrink (unless 1), BGR CHW float32,
// (x - mean) * scale. It returns the tensor and the resized size.
func faceInput(im *picture.Image, cfg Config) ([]float32, int, int, error) {
	w, h := im.Width, im.Height
	if cfg.Shrink != 1 {
		w, h = int(float64(im.Width)*cfg.Shrink), int(float64(im.Height)*cfg.Shrink)
		if w < 1 || h < 1 {
			return nil, 0, 0, errors.Errorf("the %dx%d picture shrinks to nothing (shrink %v)", im.Width, im.Height, cfg.Shrink)
		}
		var err error
		if im, err = picture.Resize(im, w, h); err != nil {
			return nil, 0, 0, err
		}
	}
	n := w * h
	x := make([]float32, 3*n)
	for c := range 3 { // B, G, R from the RGB pixels
		src, mean := 2-c, cfg.Mean[c]
		plane := x[c*n : (c+1)*n]
		for i := range plane {
			v := float32(float32(im.Pix[3*i+src]) - mean)
			plane[i] = float32(v * cfg.Scale)
		}
	}
	return x, w, h, nil
}

// maskInput is the classifier's input for a crop: x/256 - 0.5, BGR CHW float32.
func maskInput(crop *picture.Image) []float32 {
	n := crop.Width * crop.Height
	x := make([]float32, 3*n)
	for c := range 3 {
		src := 2 - c
		for i := range n {
			x[c*n+i] = float32(float64(crop.Pix[3*i+src])/256 - 0.5)
		}
	}
	return x
}

// classify runs the mask classifier on one crop and returns its probabilities.
func classify(mask *paddle.Predictor, crop *picture.Image) ([]float32, error) {
	out, err := run(mask, maskInput(crop), []int32{1, 3, int32(crop.Height), int32(crop.Width)}, func(shape []int32) bool {
		return len(shape) == 2 && shape[0] == 1
	})
	if err != nil {
		return nil, errors.WithMessage(err, "mask classifier")
	}
	if out == nil || out.Shape[1] < 1 {
		return nil, errors.New("mask classifier: no output of shape [1, classes]")
	}
	return out.Data, nil
}

// runDetections runs the face detector and returns its NMS rows [label, score, x1, y1,
// x2, y2]: the first output of shape [N, 6] (PyramidBox-Lite's .nb has four outputs). An
// NMS that found nothing gives [1, 1] (-1) or [0, 6]: no rows.
func runDetections(pred *paddle.Predictor, x []float32, w, h int) ([][6]float32, error) {
	out, err := run(pred, x, []int32{1, 3, int32(h), int32(w)}, func(shape []int32) bool {
		return len(shape) == 2 && shape[1] == 6
	})
	if err != nil {
		return nil, errors.WithMessage(err, "face detector")
	}
	if out == nil {
		return nil, nil
	}
	rows := make([][6]float32, out.Shape[0])
	for i := range rows {
		copy(rows[i][:], out.Data[6*i:6*i+6])
	}
	return rows, nil
}

// run feeds x to pred's first input and returns the first output whose shape want
// accepts (nil when none does).
func run(pred *paddle.Predictor, x []float32, shape []int32, want func([]int32) bool) (*infer.Output, error) {
	if err := infer.Run(pred, "", shape, x); err != nil {
		return nil, err
	}
	return infer.FetchFirst(pred, want)
}

// PaddleHub's colours: cv2.rectangle (255, 255, 0) BGR for faces; PIL's "green" and "red".
var (
	faceColor   = color.RGBA{0, 255, 255, 255}
	maskColor   = color.RGBA{0, 128, 0, 255}
	noMaskColor = color.RGBA{255, 0, 0, 255}
)

// annotate saves im, the picture decoded from path for detection, with its faces drawn.
func (d *Detector) annotate(im *picture.Image, path string, faces []Face) (string, error) {
	boxes := make([]draw.Box, len(faces))
	for i, f := range faces {
		boxes[i] = draw.Box{Left: float64(f.Left), Top: float64(f.Top), Right: float64(f.Right), Bottom: float64(f.Bottom), Line: faceColor}
		if f.Label != "" {
			boxes[i].Caption = draw.Caption(f.Label, f.Confidence)
			boxes[i].Line = noMaskColor
			if f.Label == "MASK" {
				boxes[i].Line = maskColor
			}
		}
	}
	out, err := draw.Annotate(im, path, d.opts.OutputDir, boxes, draw.PaddleHub)
	return out, errors.WithMessage(err, "facedet: visualize")
}

// loadLabels reads the classifier's label file (labels.Read): NO MASK and MASK, one a line.
func loadLabels(path string) ([]string, error) {
	l, err := labels.Read(path)
	return l, errors.WithMessage(err, "facedet: mask classifier")
}

// Close releases the predictors after calls in progress have returned; later calls fail.
// Close may be called again.
func (d *Detector) Close() error {
	d.pool.Close()
	return nil
}
