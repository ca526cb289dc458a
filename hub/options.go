package hub

import (
	"github.com/gohub/gohub/hub/detect"
	"github.com/gohub/gohub/hub/facedet"
	"github.com/gohub/gohub/hub/imgcls"
	"github.com/gohub/gohub/hub/kind"
	"github.com/gohub/gohub/hub/lexical"
	"github.com/gohub/gohub/hub/store"
)

// Option tunes Load.
type Option func(*loadOptions)

type loadOptions struct {
	home     *store.Home
	model    string
	run      kind.RunOptions // honoured by every kind
	settings []kind.Setting  // each kind applies those meant for it
}

func newLoadOptions(opts []Option) loadOptions {
	var o loadOptions
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// kindSetting passes a kind's own option through Load.
func kindSetting(s kind.Setting) Option {
	return func(o *loadOptions) { o.settings = append(o.settings, s) }
}

// WithHome loads from home instead of the default ($GOHUB_HOME, else ~/.gohub).
func WithHome(home store.Home) Option { return func(o *loadOptions) { o.home = &home } }

// WithModel picks one of the module's models by name, e.g. "seg" for the lac module's
// segmentation-only model; the default is the manifest's first.
func WithModel(name string) Option { return func(o *loadOptions) { o.model = name } }

// WithBatchSize sets how many inputs run through the model at once.
func WithBatchSize(n int) Option { return func(o *loadOptions) { o.run.BatchSize = n } }

// WithThreads sets how many batches run in parallel, one predictor each.
func WithThreads(n int) Option { return func(o *loadOptions) { o.run.Threads = n } }

// WithGPU runs the model on the given GPU; loading fails where the Paddle library has no
// GPU support.
func WithGPU(device int) Option {
	return func(o *loadOptions) { o.run.UseGPU, o.run.GPUDevice = true, device }
}

// WithGPUTF32 allows TF32 math on the GPU chosen by WithGPU: faster fp32 convolutions and
// matrix products, with about 10 bits of mantissa in the products.
func WithGPUTF32(on bool) Option { return func(o *loadOptions) { o.run.GPUTF32 = on } }

// WithUserDict applies a user dictionary to lexical analysis (lexical.LoadUserDict: both
// of PaddleHub's formats).
func WithUserDict(path string) Option { return kindSetting(lexical.WithUserDict(path)) }

// WithReturnTag false leaves the tags out of lexical results (PaddleHub's return_tag).
func WithReturnTag(on bool) Option { return kindSetting(lexical.WithReturnTag(on)) }

// WithTopK sets how many classes an image-classification module returns per image; the
// default is the module's top_k (else 1, as PaddleHub).
func WithTopK(k int) Option { return kindSetting(imgcls.WithTopK(k)) }

// WithScoreThreshold sets the score below which an object-detection module drops
// detections; the default is the module's score_threshold (else 0.5, as PaddleHub).
func WithScoreThreshold(v float64) Option { return kindSetting(detect.WithScoreThreshold(v)) }

// WithVisualization has an object-detection module also save each picture with its boxes
// drawn, under dir ("" means detect.DefaultOutputDir, "detection_result").
func WithVisualization(dir string) Option { return kindSetting(detect.WithVisualization(dir)) }

// WithConfsThreshold sets the confidence a face must exceed (PaddleHub's confs_threshold;
// the module's default is 0.6).
func WithConfsThreshold(v float64) Option { return kindSetting(facedet.WithConfsThreshold(v)) }

// WithShrink sets the factor pictures are resized by before face detection (PaddleHub's
// shrink; the module's default is 0.5).
func WithShrink(v float64) Option { return kindSetting(facedet.WithShrink(v)) }

// WithFaceVisualization has a face module also save each picture with its faces drawn,
// under dir ("" means facedet.DefaultOutputDir, "detection_result").
func WithFaceVisualization(dir string) Option { return kindSetting(facedet.WithVisualization(dir)) }
