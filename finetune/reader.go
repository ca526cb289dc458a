package finetune

import (
	"github.com/pkg/errors"

	"github.com/gohub/gohub/hub"
	"github.com/gohub/gohub/hub/imgcls"
	"github.com/gohub/gohub/readers/imgbatch"
	"github.com/gohub/gohub/readers/picture"
)

// ReaderOptions set up NewReader.
type ReaderOptions struct {
	Size    int // images are resized to Size×Size: 224 when 0
	Workers int // decoding goroutines: runtime.NumCPU() when 0
	// ModulePreprocess takes the module's own inference recipe (e.g. short side to 256,
	// centre crop 224, keeping the aspect ratio) instead of PaddleHub's reader, which
	// squeezes every image to Size×Size.
	ModulePreprocess bool
	// CacheBytes bounds the decoded pictures kept across epochs (imgbatch.Config.CacheBytes):
	// imgbatch.DefaultCacheBytes when 0, none with imgbatch.NoCache.
	CacheBytes int64
}

// NewReader is PaddleHub's ImageClassificationReader for module: each image resized
// straight to Size×Size with Lanczos (no crop, as PaddleHub's reader does), then normalised
// as the module's own recipe normalises (scale, mean, std, channel order).
func NewReader(module *hub.Context, o ReaderOptions) (*imgbatch.Reader, error) {
	cfg, err := imgcls.ParseConfig(module.Preprocess, nil)
	if err != nil {
		return nil, errors.WithMessagef(err, "module %s", module.Module)
	}
	if o.Size == 0 {
		o.Size = imgbatch.DefaultSize
	}
	pre := picture.Preprocess{Width: o.Size, Height: o.Size, Filter: picture.Lanczos, Normalize: cfg.Normalize}
	if o.ModulePreprocess {
		pre = cfg.Preprocess
	}
	return imgbatch.NewReader(imgbatch.Config{Module: &pre, Workers: o.Workers, CacheBytes: o.CacheBytes})
}
