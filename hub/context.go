package hub

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/pkg/errors"
	"google.golang.org/protobuf/proto"

	"github.com/gohub/gohub/hub/store"
	"github.com/gohub/gohub/paddle/framework"
)

// Context is what a fine-tune task builds on, PaddleHub's module.context(trainable): the
// module's forward program without feed and fetch ops, cut at its feature map, with the
// names of its inputs and outputs and where its pretrained parameters are.
type Context struct {
	Module string
	// Program computes Outputs["feature_map"] from Inputs["image"]. Its batch_norm and
	// dropout ops are in training mode when Trainable, in inference mode otherwise.
	Program *framework.Program
	Inputs  map[string]string // "image" → variable name
	Outputs map[string]string // "feature_map" → variable name
	// Params are the pretrained persistables of Program, stored one file per variable in
	// ParamsDir, or all in the combined file ParamsFile.
	Params     []string
	ParamsDir  string
	ParamsFile string
	// ProgramFile is the module's whole program, before the cut.
	ProgramFile string
	// Trainable says whether the pretrained parameters train. A frozen module is a fixed
	// feature extractor: its batch norms use their running statistics (PaddleHub keeps
	// them in training mode, so a frozen backbone still drifts with every batch's
	// statistics) and no gradient flows into it.
	Trainable bool
	// Missing are pretrained parameters the module lacks (AllowMissingParams); the task
	// initialises them and says so.
	Missing []string
	// Preprocess is the module's own recipe (module.yaml), for prediction after training.
	Preprocess map[string]any
	Labels     string // the module's label list asset, if any
}

// ContextOption adjusts Context.
type ContextOption func(*contextOptions)

type contextOptions struct {
	featureMap   string
	allowMissing bool
	load         []Option
}

// WithLoadOptions finds the module as Load does with these options (WithHome, WithModel).
func WithLoadOptions(opts ...Option) ContextOption {
	return func(o *contextOptions) { o.load = append(o.load, opts...) }
}

// AllowMissingParams accepts a module some of whose parameter files are missing (e.g. a
// backbone published without its last stage), listing them in Context.Missing instead of
// failing.
func AllowMissingParams() ContextOption {
	return func(o *contextOptions) { o.allowMissing = true }
}

// WithFeatureMap names the feature-map variable instead of finding it (the one a PaddleHub
// 1.x module's module_desc.pb aliases feature_map, else the input of the classifier's
// final fully connected layer).
func WithFeatureMap(name string) ContextOption {
	return func(o *contextOptions) { o.featureMap = name }
}

// Context returns the module's fine-tune context. Only image classifiers stored one file
// per parameter have one so far.
func (m *Module) Context(trainable bool, opts ...ContextOption) (*Context, error) {
	return NewContext(m.Dir, m.Manifest, m.Model, trainable, opts...)
}

// LoadContext finds an installed module (or the module directory at a path) as Load does
// and returns its fine-tune context, without loading it for inference. A path may also be
// a plain Paddle model directory (a __model__ and one file per parameter), taken as an
// ImageNet classifier with PaddleHub's recipe.
func LoadContext(name string, trainable bool, copts ...ContextOption) (*Context, error) {
	var co contextOptions
	for _, opt := range copts {
		opt(&co)
	}
	if isPath(name) && !exists(filepath.Join(name, store.ManifestFile)) && exists(filepath.Join(name, "__model__")) {
		man := &store.Manifest{Name: filepath.Base(filepath.Clean(name)), Kind: store.KindImageClassification}
		model := &store.Model{Name: "classification", Layout: store.LayoutDir, Dir: "."}
		for _, params := range []string{"__params__", "params"} {
			if exists(filepath.Join(name, params)) {
				model = &store.Model{Name: "classification", Layout: store.LayoutFiles, Program: "__model__", Params: params}
			}
		}
		return NewContext(name, man, model, trainable, copts...)
	}
	o := newLoadOptions(co.load)
	dir, m, err := o.find(name)
	if err != nil {
		return nil, err
	}
	model, err := m.Model(o.model)
	if err != nil {
		return nil, err
	}
	return NewContext(dir, m, model, trainable, copts...)
}

func isPath(name string) bool {
	return strings.ContainsRune(name, '/') || strings.ContainsRune(name, filepath.Separator)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// NewContext builds the context of the module at dir without loading it for inference.
func NewContext(dir string, man *store.Manifest, model *store.Model, trainable bool, opts ...ContextOption) (*Context, error) {
	var o contextOptions
	for _, opt := range opts {
		opt(&o)
	}
	fail := func(err error) (*Context, error) {
		return nil, errors.WithMessagef(err, "context of module %s", man.Name)
	}
	if man.Kind != store.KindImageClassification {
		return fail(errors.Errorf("fine-tuning needs an image classification module, this one is %s", man.Kind))
	}
	var desc []byte
	var err error
	paramsDir, paramsFile, programFile := filepath.Join(dir, model.Dir), "", ""
	switch {
	case model.Layout == store.LayoutDir:
		programFile, err = findProgram(paramsDir)
	case model.ParamsInProgram():
		err = errors.New("a Paddle-Lite model cannot be fine-tuned; it needs a Paddle inference model")
	default:
		paramsDir, paramsFile = "", filepath.Join(dir, filepath.FromSlash(model.Params))
		programFile = filepath.Join(dir, filepath.FromSlash(model.Program))
	}
	if err == nil {
		desc, err = os.ReadFile(programFile)
	}
	if err != nil {
		return fail(err)
	}
	prog, err := framework.ParseProgram(desc)
	if err != nil {
		return fail(err)
	}
	image, err := feedTarget(prog)
	if err != nil {
		return fail(err)
	}
	feature, err := chooseFeatureMap(dir, man, model, prog, o.featureMap)
	if err != nil {
		return fail(err)
	}
	if err := prog.Prune([]string{image}, []string{feature}); err != nil {
		return fail(err)
	}
	framework.SetTraining(prog, trainable)
	// Input data never trains; saved programs do not always say so, and without it every
	// activation of a frozen module would still get a gradient.
	prog.Var(image).StopGradient = proto.Bool(true)
	c := &Context{
		Module: man.Name, Program: prog,
		Inputs:  map[string]string{"image": image},
		Outputs: map[string]string{"feature_map": feature},
		Params:  prog.Parameters(), ParamsDir: paramsDir, ParamsFile: paramsFile, ProgramFile: programFile,
		Trainable:  trainable,
		Preprocess: man.Preprocess,
	}
	if l, ok := man.Assets["label_list"]; ok {
		c.Labels = filepath.Join(dir, l)
	}
	for _, p := range c.Params {
		if !trainable {
			prog.Var(p).StopGradient = proto.Bool(true)
		}
		if _, err := os.Stat(filepath.Join(paramsDir, p)); paramsFile == "" && err != nil {
			c.Missing = append(c.Missing, p)
		}
	}
	if len(c.Missing) > 0 && !o.allowMissing {
		return fail(errors.Errorf("%d pretrained parameters are missing from %s (%s ...); allow them to be initialised instead",
			len(c.Missing), paramsDir, c.Missing[0]))
	}
	return c, nil
}

// findProgram returns a model directory's program file.
func findProgram(dir string) (string, error) {
	for _, name := range []string{"__model__", "model", "inference.pdmodel", "model.pdmodel"} {
		if p := filepath.Join(dir, name); exists(p) {
			return p, nil
		}
	}
	return "", errors.Errorf("no program (__model__) in %s", dir)
}

// feedTarget is the variable the program's only feed op writes.
func feedTarget(p *framework.Program) (string, error) {
	var feeds []string
	for _, op := range p.Ops() {
		if op.GetType() == "feed" {
			feeds = append(feeds, outputArgs(op)...)
		}
	}
	if len(feeds) != 1 {
		return "", errors.Errorf("an image classifier has one input, this program feeds %d", len(feeds))
	}
	return feeds[0], nil
}

func inputArg(op *framework.OpDesc, slot string) string {
	for _, v := range op.Inputs {
		if v.GetParameter() == slot && len(v.Arguments) > 0 {
			return v.Arguments[0]
		}
	}
	return ""
}

func outputArgs(op *framework.OpDesc) []string {
	var names []string
	for _, v := range op.Outputs {
		names = append(names, v.Arguments...)
	}
	return names
}
