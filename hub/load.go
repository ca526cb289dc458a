package hub

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/pkg/errors"

	"github.com/gohub/gohub/hub/detect"
	"github.com/gohub/gohub/hub/facedet"
	"github.com/gohub/gohub/hub/imgcls"
	"github.com/gohub/gohub/hub/internal/msg"
	"github.com/gohub/gohub/hub/lexical"
	"github.com/gohub/gohub/hub/store"
)

// assetSegDict is LAC's segmentation dictionary (conf/small_seg.dic), which the LAC
// package's full model needs; importLACPackage names conf files by their stem.
const assetSegDict = "small_seg"

// Module is an installed module, loaded and ready to run:
//
//	m, err := hub.Load("lac")
//	defer m.Close()
//	res, err := m.Cut([]string{"今天是个好日子"})
//
// The methods that fit its kind work (Cut for lexical analysis, Classify for image
// classification, Detect for object detection); the others return an error. A Module is
// safe for concurrent use.
type Module struct {
	Dir      string
	Manifest *store.Manifest
	Model    *store.Model // the model that runs

	lexical    *lexical.Analyzer
	classifier *imgcls.Classifier
	detector   *detect.Detector
	faces      *facedet.Detector
}

// Option tunes Load.
type Option func(*loadOptions)

type loadOptions struct {
	home    *store.Home
	model   string
	lexical lexical.Options
	image   imgcls.Options
	detect  detect.Options
	faces   facedet.Options
}

// WithHome loads from home instead of the default ($GOHUB_HOME, else ~/.gohub).
func WithHome(home store.Home) Option { return func(o *loadOptions) { o.home = &home } }

// WithModel picks one of the module's models by name, e.g. "seg" for the lac module's
// segmentation-only model; the default is the manifest's first.
func WithModel(name string) Option { return func(o *loadOptions) { o.model = name } }

// WithBatchSize sets how many inputs run through the model at once.
func WithBatchSize(n int) Option {
	return func(o *loadOptions) {
		o.lexical.BatchSize, o.image.BatchSize, o.detect.BatchSize, o.faces.BatchSize = n, n, n, n
	}
}

// WithThreads sets how many batches run in parallel, one predictor each.
func WithThreads(n int) Option {
	return func(o *loadOptions) {
		o.lexical.Threads, o.image.Threads, o.detect.Threads, o.faces.Threads = n, n, n, n
	}
}

// WithGPU runs the model on the given GPU; loading fails where the Paddle library has no
// GPU support.
func WithGPU(device int) Option {
	return func(o *loadOptions) {
		o.lexical.UseGPU, o.lexical.GPUDevice = true, device
		o.image.UseGPU, o.image.GPUDevice = true, device
		o.detect.UseGPU, o.detect.GPUDevice = true, device
		o.faces.UseGPU, o.faces.GPUDevice = true, device
	}
}

// WithUserDict applies a user dictionary to lexical analysis (lexical.LoadUserDict: both
// of PaddleHub's formats).
func WithUserDict(path string) Option { return func(o *loadOptions) { o.lexical.UserDict = path } }

// WithReturnTag false leaves the tags out of lexical results (PaddleHub's return_tag).
func WithReturnTag(on bool) Option { return func(o *loadOptions) { o.lexical.NoTag = !on } }

// Load loads an installed module by name, or the module directory at a path (an argument
// with a path separator, so that a folder named like a module never shadows it). A module
// that is not installed gives an error wrapping ErrNotInstalled, whose message says how to
// install it.
func Load(name string, opts ...Option) (*Module, error) {
	var o loadOptions
	for _, opt := range opts {
		opt(&o)
	}
	dir, m, err := o.find(name)
	if err != nil {
		return nil, err
	}
	model, err := m.Model(o.model)
	if err != nil {
		return nil, err
	}
	mod := &Module{Dir: dir, Manifest: m, Model: model}
	switch m.Kind {
	case store.KindLexicalAnalysis:
		err = mod.openLexical(o.lexical)
	case store.KindImageClassification:
		err = mod.openClassifier(o.image)
	case store.KindObjectDetection:
		err = mod.openDetector(o.detect)
	case store.KindFaceDetection:
		err = mod.openFaces(o.faces)
	default:
		err = errors.Errorf("gohub cannot run %s modules yet", m.Kind)
	}
	if err != nil {
		return nil, errors.WithMessagef(err, "load module %s", m.Name)
	}
	return mod, nil
}

// find locates the module and reads its manifest.
func (o loadOptions) find(name string) (string, *store.Manifest, error) {
	if strings.ContainsRune(name, '/') || strings.ContainsRune(name, filepath.Separator) {
		if _, err := os.Stat(filepath.Join(name, store.ManifestFile)); err != nil {
			return "", nil, errors.Wrapf(err, "%s is not a module directory", name)
		}
		m, err := store.LoadManifest(name)
		return name, m, err
	}
	home := o.home
	if home == nil {
		h, err := store.DefaultHome()
		if err != nil {
			return "", nil, err
		}
		home = &h
	}
	inst, err := home.Lookup(name)
	if err != nil {
		return "", nil, err
	}
	return inst.Dir, inst.Manifest, nil
}

// openLexical opens the model as a lexical analyser. The lac module's model "seg" gives
// words only; any other model is full lexical analysis.
func (m *Module) openLexical(opts lexical.Options) error {
	files, err := m.lexicalFiles()
	if err != nil {
		return err
	}
	opts.Mode = lexical.ModeLAC
	if m.Model.Name == string(lexical.ModeSeg) {
		opts.Mode = lexical.ModeSeg
	}
	m.lexical, err = lexical.OpenFiles(files, opts)
	return err
}

// lexicalFiles resolves the model's files and dictionaries from the manifest.
func (m *Module) lexicalFiles() (lexical.Files, error) {
	var f lexical.Files
	mf := m.modelFiles(m.Model)
	f.ModelDir, f.Program, f.Params = mf.Dir, mf.Program, mf.Params
	for name, dst := range map[string]*string{
		store.AssetWordDict: &f.WordDict, store.AssetQ2BDict: &f.Q2BDict, store.AssetTagDict: &f.TagDict, assetSegDict: &f.SegDict,
	} {
		rel, ok := m.Manifest.Asset(m.Model, name)
		if !ok && name != assetSegDict {
			return f, &store.ManifestError{Field: "assets", Reason: "model " + msg.Quote(m.Model.Name) + " needs a " + msg.Quote(name)}
		}
		if ok {
			*dst = m.path(rel)
		}
	}
	return f, nil
}

// labelList returns the path of the model's label_list asset.
func (m *Module) labelList() (string, error) {
	rel, ok := m.Manifest.Asset(m.Model, store.AssetLabelList)
	if !ok {
		return "", &store.ManifestError{Field: "assets", Reason: "model " + msg.Quote(m.Model.Name) + " needs a " + msg.Quote(store.AssetLabelList)}
	}
	return m.path(rel), nil
}

// resultOutput names the output that holds the model's result: the first the manifest
// declares, or "" to let the kind take the program's first.
func (m *Module) resultOutput() string {
	if len(m.Model.Outputs) > 0 {
		return m.Model.Outputs[0].Name
	}
	return ""
}

// path turns a manifest path (relative, forward slashes) into a file path; "" stays "" (a
// Paddle-Lite model has no params file).
func (m *Module) path(rel string) string {
	if rel == "" {
		return ""
	}
	return filepath.Join(m.Dir, filepath.FromSlash(rel))
}

// Cut runs lexical analysis on texts: one result per text, with PaddleHub's fields word
// and tag.
func (m *Module) Cut(texts []string) ([]lexical.Result, error) {
	if m.lexical == nil {
		return nil, errors.Errorf("module %s is a %s module: Cut needs a lexical analysis one", m.Manifest.Name, m.Manifest.Kind)
	}
	return m.lexical.Cut(texts)
}

// Close releases the module's predictors once calls in progress have returned.
func (m *Module) Close() error {
	if m.lexical != nil {
		return m.lexical.Close()
	}
	if m.classifier != nil {
		return m.classifier.Close()
	}
	if m.detector != nil {
		return m.detector.Close()
	}
	if m.faces != nil {
		return m.faces.Close()
	}
	return nil
}

// Destroy is Close for callers that follow the paddle package's naming.
func (m *Module) Destroy() { _ = m.Close() }
