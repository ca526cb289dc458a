package hub

import (
	"os"
	"path/filepath"

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
	// ParamsDir.
	Params    []string
	ParamsDir string
	// Trainable says whether the pretrained parameters train. A frozen module is a fixed
	// feature extractor: its batch norms use their running statistics (PaddleHub keeps
	// them in training mode, so a frozen backbone still drifts with every batch's
	// statistics) and no gradient flows into it.
	Trainable bool
	// Preprocess is the module's own recipe (module.yaml), for prediction after training.
	Preprocess map[string]any
	Labels     string // the module's label list asset, if any
}

// ContextOption adjusts Context.
type ContextOption func(*contextOptions)

type contextOptions struct{ featureMap string }

// WithFeatureMap names the feature-map variable instead of finding it (the input of the
// classifier's final fully connected layer).
func WithFeatureMap(name string) ContextOption {
	return func(o *contextOptions) { o.featureMap = name }
}

// Context returns the module's fine-tune context. Only image classifiers stored one file
// per parameter have one so far.
func (m *Module) Context(trainable bool, opts ...ContextOption) (*Context, error) {
	return NewContext(m.Dir, m.Manifest, m.Model, trainable, opts...)
}

// LoadContext finds an installed module (or the module directory at a path) as Load does
// and returns its fine-tune context, without loading it for inference.
func LoadContext(name string, trainable bool, opts ...Option) (*Context, error) {
	o := newLoadOptions(opts)
	dir, m, err := o.find(name)
	if err != nil {
		return nil, err
	}
	model, err := m.Model(o.model)
	if err != nil {
		return nil, err
	}
	return NewContext(dir, m, model, trainable)
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
	if model.Layout != store.LayoutDir {
		return fail(errors.New("fine-tuning needs a model stored one file per parameter (a combined params file is not supported yet)"))
	}
	paramsDir := filepath.Join(dir, model.Dir)
	desc, err := readProgram(paramsDir)
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
	feature := o.featureMap
	if feature == "" {
		if feature, err = findFeatureMap(prog); err != nil {
			return fail(err)
		}
	}
	if prog.Var(feature) == nil {
		return fail(errors.Errorf("feature map %q is not a variable of the program", feature))
	}
	if err := prog.Prune([]string{image}, []string{feature}); err != nil {
		return fail(err)
	}
	setTrainingMode(prog, trainable)
	c := &Context{
		Module: man.Name, Program: prog,
		Inputs:  map[string]string{"image": image},
		Outputs: map[string]string{"feature_map": feature},
		Params:  prog.Parameters(), ParamsDir: paramsDir, Trainable: trainable,
		Preprocess: man.Preprocess,
	}
	if l, ok := man.Assets["label_list"]; ok {
		c.Labels = filepath.Join(dir, l)
	}
	for _, p := range c.Params {
		if !trainable {
			prog.Var(p).StopGradient = proto.Bool(true)
		}
		if _, err := os.Stat(filepath.Join(paramsDir, p)); err != nil {
			return fail(errors.Errorf("pretrained parameter %s is missing from %s", p, paramsDir))
		}
	}
	return c, nil
}

// readProgram reads a model directory's program file.
func readProgram(dir string) ([]byte, error) {
	for _, name := range []string{"__model__", "model", "inference.pdmodel", "model.pdmodel"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err == nil {
			return b, nil
		}
		if !os.IsNotExist(err) {
			return nil, errors.Wrap(err, "read program")
		}
	}
	return nil, errors.Errorf("no program (__model__) in %s", dir)
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

// findFeatureMap returns the input of the last fully connected layer, a mul or matmul by a
// parameter (or a fused fc): PaddleHub's image modules name that variable feature_map.
func findFeatureMap(p *framework.Program) (string, error) {
	ops := p.Ops()
	for i := len(ops) - 1; i >= 0; i-- {
		op := ops[i]
		var x, w string
		switch op.GetType() {
		case "mul", "matmul", "matmul_v2":
			x, w = inputArg(op, "X"), inputArg(op, "Y")
		case "fc":
			x, w = inputArg(op, "Input"), inputArg(op, "W")
		default:
			continue
		}
		if v := p.Var(w); v != nil && v.GetPersistable() {
			return x, nil
		}
	}
	return "", errors.New("no fully connected layer found to cut at; name the feature map")
}

// setTrainingMode switches the ops that behave differently in training: is_test on every op
// that has it (batch_norm and dropout get one if their program left it out), and batch norm's
// use_global_stats off so that is_test alone decides.
func setTrainingMode(p *framework.Program, training bool) {
	for _, op := range p.Ops() {
		seen := false
		for _, a := range op.Attrs {
			switch {
			case a.GetName() == "is_test" && a.GetType() == framework.AttrType_BOOLEAN:
				a.B, seen = proto.Bool(!training), true
			case a.GetName() == "use_global_stats":
				a.B = proto.Bool(false)
			}
		}
		if t := op.GetType(); !seen && (t == "batch_norm" || t == "dropout") {
			op.Attrs = append(op.Attrs, framework.BoolAttr("is_test", !training))
		}
	}
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
