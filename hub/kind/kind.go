// Package kind is what every module kind shares: the registry each kind adds itself to,
// the Module a kind opens, and the run options every kind honours. hub.Load opens an
// installed module through this registry, without knowing the kinds.
//
// A kind is a package that registers itself when it is imported:
//
//	func init() { kind.Register(store.KindImageClassification, open) }
//
// and is imported once, for that side effect, by hub (hub/kinds.go).
package kind

import (
	"path/filepath"
	"slices"
	"sync"

	"github.com/pkg/errors"

	"github.com/gohub/gohub/hub/internal/modelload"
	"github.com/gohub/gohub/hub/internal/msg"
	"github.com/gohub/gohub/hub/store"
)

// Instance is a module opened as its kind, ready to run. Each kind's own type adds the
// method that runs it (Cut, Classify, Detect, DetectFaces).
type Instance interface {
	// Close releases the predictors once calls in progress have returned.
	Close() error
}

// Opener opens a module as its kind, with the run options and the settings given to Load.
type Opener func(m *Module, run RunOptions, settings []Setting) (Instance, error)

// Setting is an option of one kind (e.g. imgcls.WithTopK): a func that sets a field of
// that kind's options. A kind applies every setting to its options (Apply); a setting
// meant for another kind finds no options of its type and does nothing.
type Setting func(options any)

// Apply applies settings to options, a pointer to a kind's options.
func Apply(settings []Setting, options any) {
	for _, s := range settings {
		s(options)
	}
}

var (
	mu      sync.RWMutex
	openers = map[store.Kind]Opener{}
)

// Register makes a kind available to hub.Load. It panics when the kind is registered
// twice, as that is a programming error.
func Register(k store.Kind, open Opener) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := openers[k]; dup {
		panic("kind: " + string(k) + " registered twice")
	}
	openers[k] = open
	store.AcceptKind(k)
}

// Lookup returns the opener of a kind.
func Lookup(k store.Kind) (Opener, bool) {
	mu.RLock()
	defer mu.RUnlock()
	open, ok := openers[k]
	return open, ok
}

// Registered lists the kinds that can run, sorted.
func Registered() []store.Kind {
	mu.RLock()
	defer mu.RUnlock()
	var out []store.Kind
	for k := range openers {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// RunOptions are the options every kind honours; each kind's Options embeds them.
type RunOptions struct {
	// BatchSize is the number of inputs per model run; 0 means the kind's default.
	BatchSize int
	// Threads is the number of batches run in parallel, one predictor (or one set of the
	// module's predictors) each; 0 means 1.
	Threads int
	// UseGPU runs the model on GPU GPUDevice; it fails where the library has no GPU support.
	UseGPU    bool
	GPUDevice int
	// GPUTF32 allows TF32 math on the GPU: faster fp32 convolutions and matrix products,
	// with about 10 bits of mantissa in the products.
	GPUTF32 bool
}

// Device is where the options run a kind's models.
func (o RunOptions) Device() modelload.Device {
	return modelload.Device{GPU: o.UseGPU, ID: o.GPUDevice, TF32: o.GPUTF32}
}

// WithDefaults checks o and fills in what it leaves 0: batch for BatchSize, one thread.
// name prefixes the error (e.g. "imgcls").
func (o RunOptions) WithDefaults(name string, batch int) (RunOptions, error) {
	if o.BatchSize < 0 || o.Threads < 0 || o.GPUDevice < 0 {
		return o, errors.Errorf("%s: batch size %d, threads %d and GPU device %d must not be negative",
			name, o.BatchSize, o.Threads, o.GPUDevice)
	}
	if o.BatchSize == 0 {
		o.BatchSize = batch
	}
	if o.Threads == 0 {
		o.Threads = 1
	}
	return o, nil
}

// Module is an installed module and the model of it to run, as a kind opens it.
type Module struct {
	Dir      string
	Manifest *store.Manifest
	Model    *store.Model
}

// Path turns a manifest path (relative, forward slashes) into a file path; "" stays ""
// (a Paddle-Lite model has no params file).
func (m *Module) Path(rel string) string {
	if rel == "" {
		return ""
	}
	return filepath.Join(m.Dir, filepath.FromSlash(rel))
}

// Files locates a model of the module for modelload.
func (m *Module) Files(mo *store.Model) modelload.Model {
	if mo.Layout == store.LayoutDir {
		return modelload.Model{Dir: m.Path(mo.Dir)}
	}
	return modelload.Model{Program: m.Path(mo.Program), Params: m.Path(mo.Params)}
}

// Asset returns the path of an asset the model needs; why says what it holds, for the
// error when the manifest lacks it.
func (m *Module) Asset(name, why string) (string, error) {
	rel, ok := m.Manifest.Asset(m.Model, name)
	if !ok {
		reason := "model " + msg.Quote(m.Model.Name) + " needs a " + msg.Quote(name)
		if why != "" {
			reason += " (" + why + ")"
		}
		return "", &store.ManifestError{Field: "assets", Reason: reason}
	}
	return m.Path(rel), nil
}

// Output names the output that holds the model's result: the first the manifest
// declares, or "" to let the kind take the program's first.
func (m *Module) Output() string {
	if len(m.Model.Outputs) > 0 {
		return m.Model.Outputs[0].Name
	}
	return ""
}

// ConfigError reports preprocess or postprocess maps that the kind cannot read.
func ConfigError(err error) error {
	return &store.ManifestError{Field: "preprocess/postprocess", Reason: err.Error()}
}
