package store

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/gohub/gohub/hub/internal/msg"
	"github.com/pkg/errors"
	"go.yaml.in/yaml/v3"
)

// ManifestFile is the name of the manifest inside an installed module's directory.
const ManifestFile = "module.yaml"

// Kind says which preprocessing and postprocessing a module's models need.
type Kind string

// The module kinds gohub can run.
const (
	KindLexicalAnalysis     Kind = "lexical_analysis"
	KindImageClassification Kind = "image_classification"
	KindObjectDetection     Kind = "object_detection"
	// KindFaceDetection: faces (pyramidbox_lite_mobile), classified MASK / NO MASK when the
	// module has a "mask" model (pyramidbox_lite_mobile_mask).
	KindFaceDetection Kind = "face_detection"
)

// Kinds lists the kinds the importers write, in the order help texts show them.
var Kinds = []Kind{KindLexicalAnalysis, KindImageClassification, KindObjectDetection, KindFaceDetection}

// accepted are the kinds a manifest may declare: Kinds, and every kind registered to run
// (kind.Register calls AcceptKind), so that a new kind needs no change here.
var accepted = struct {
	sync.RWMutex
	kinds []Kind
}{kinds: slices.Clone(Kinds)}

// AcceptKind lets manifests declare kind k.
func AcceptKind(k Kind) {
	accepted.Lock()
	defer accepted.Unlock()
	if !slices.Contains(accepted.kinds, k) {
		accepted.kinds = append(accepted.kinds, k)
	}
}

// acceptedKinds returns the kinds manifests may declare.
func acceptedKinds() []Kind {
	accepted.RLock()
	defer accepted.RUnlock()
	return slices.Clone(accepted.kinds)
}

// Layout says how a model's program and parameters are stored.
type Layout string

const (
	// LayoutDir is a directory holding __model__ and one file per parameter
	// (paddle.Config.SetModelDir).
	LayoutDir Layout = "dir"
	// LayoutFiles is a program file plus one combined parameter file: __model__ + __params__,
	// model + params, or x.pdmodel + x.pdiparams (paddle.Config.SetModel); or a Paddle-Lite
	// model.nb, which holds both (no params file).
	LayoutFiles Layout = "files"
)

// Asset names that module kinds look up. Modules may carry other assets under other names.
const (
	AssetWordDict  = "word_dict"  // lexical analysis: "id<TAB>char", with an OOV entry
	AssetQ2BDict   = "q2b_dict"   // lexical analysis: "from<TAB>to" character normalisation
	AssetTagDict   = "tag_dict"   // lexical analysis: "id<TAB>tag"
	AssetLabelList = "label_list" // classification and detection: one label per line
	// AssetModuleDesc is a PaddleHub 1.x module's own module_desc.pb, kept because its
	// signatures name the feature map that fine-tuning cuts at.
	AssetModuleDesc = "module_desc"
)

// The models of a face_detection module: the face detector, which every such module has,
// and the mask classifier that runs on each face it finds.
const (
	FaceModel = "face"
	MaskModel = "mask"
)

// Manifest is module.yaml: everything gohub needs to run an installed module without
// executing any of the module's own code. All paths are relative to the module directory
// and use forward slashes.
type Manifest struct {
	Name        string            `yaml:"name" json:"name"`
	Version     string            `yaml:"version" json:"version"`
	Kind        Kind              `yaml:"kind" json:"kind"`
	Summary     string            `yaml:"summary,omitempty" json:"summary,omitempty"`
	Author      string            `yaml:"author,omitempty" json:"author,omitempty"`
	AuthorEmail string            `yaml:"author_email,omitempty" json:"author_email,omitempty"`
	Licence     string            `yaml:"licence,omitempty" json:"licence,omitempty"`
	Source      string            `yaml:"source,omitempty" json:"source,omitempty"` // where it was installed from
	Models      []Model           `yaml:"models" json:"models"`                     // the first one is the default
	Assets      map[string]string `yaml:"assets,omitempty" json:"assets,omitempty"` // shared by all models
	Preprocess  map[string]any    `yaml:"preprocess,omitempty" json:"preprocess,omitempty"`
	Postprocess map[string]any    `yaml:"postprocess,omitempty" json:"postprocess,omitempty"`
	// Checksums maps every file of the module but module.yaml to its sha256 (hex).
	Checksums map[string]string `yaml:"checksums,omitempty" json:"checksums,omitempty"`

	// Merge says how an import combines with an installed module of the same name; it is
	// never saved.
	Merge MergeMode
}

// Files returns the model's paths: its directory, or its program and params Files.
func (mo *Model) Files() []string {
	switch {
	case mo.Layout == LayoutDir:
		return []string{mo.Dir}
	case mo.Params == "" && mo.ParamsInProgram():
		return []string{mo.Program}
	}
	return []string{mo.Program, mo.Params}
}

// ParamsInProgram reports whether the program file carries the parameters: a Paddle-Lite
// .nb model.
func (mo *Model) ParamsInProgram() bool { return strings.HasSuffix(mo.Program, ".nb") }

// Model is one Paddle inference model of a module, e.g. lac's "lac" (full lexical
// analysis) and "seg" (segmentation only).
type Model struct {
	Name    string            `yaml:"name" json:"name"`
	Layout  Layout            `yaml:"layout" json:"layout"`
	Dir     string            `yaml:"dir,omitempty" json:"dir,omitempty"`         // LayoutDir
	Program string            `yaml:"program,omitempty" json:"program,omitempty"` // LayoutFiles
	Params  string            `yaml:"params,omitempty" json:"params,omitempty"`   // LayoutFiles
	Assets  map[string]string `yaml:"assets,omitempty" json:"assets,omitempty"`   // override or add to the module's
	Inputs  []TensorSpec      `yaml:"inputs,omitempty" json:"inputs,omitempty"`
	Outputs []TensorSpec      `yaml:"outputs,omitempty" json:"outputs,omitempty"`
}

// TensorSpec is a declared input or output; -1 in Shape is a size known only at run time.
type TensorSpec struct {
	Name     string  `yaml:"name" json:"name"`
	DType    string  `yaml:"dtype" json:"dtype"`
	Shape    []int64 `yaml:"shape,flow" json:"shape"`
	LoDLevel int     `yaml:"lod_level,omitempty" json:"lod_level,omitempty"`
}

// DTypes are the data types a TensorSpec may name (Paddle's names).
var DTypes = []string{"float32", "float16", "int64", "int32", "uint8", "int8", "bool"}

// LoadManifest reads and validates dir/module.yaml.
func LoadManifest(dir string) (*Manifest, error) {
	path := filepath.Join(dir, ManifestFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, errors.Wrap(err, "read module manifest")
	}
	m, err := ParseManifest(data)
	if err != nil {
		return nil, errors.WithMessage(err, path)
	}
	return m, nil
}

// ParseManifest decodes and validates a manifest. Unknown fields are refused so that a
// typo (e.g. "model:" for "models:") is reported instead of silently ignored.
func ParseManifest(data []byte) (*Manifest, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, &ManifestError{Field: "yaml", Reason: err.Error()}
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// Save validates m and writes it to dir/module.yaml through a temporary file and a rename,
// so a reader never sees half a manifest.
func (m *Manifest) Save(dir string) error {
	if err := m.Validate(); err != nil {
		return err
	}
	data, err := yaml.Marshal(m)
	if err != nil {
		return errors.Wrap(err, "encode module manifest")
	}
	return WriteFileAtomic(filepath.Join(dir, ManifestFile), data)
}

// Model returns the named model; "" names the default (first) one.
func (m *Manifest) Model(name string) (*Model, error) {
	if name == "" && len(m.Models) > 0 {
		return &m.Models[0], nil
	}
	for i := range m.Models {
		if m.Models[i].Name == name {
			return &m.Models[i], nil
		}
	}
	return nil, &UnknownModelError{Module: m.Name, Model: name, Known: m.ModelNames()}
}

// ModelNames lists the models in manifest order.
func (m *Manifest) ModelNames() []string {
	names := make([]string, len(m.Models))
	for i, mo := range m.Models {
		names[i] = mo.Name
	}
	return names
}

// Asset returns the relative path of an asset for a model: the model's own entry, else
// the module's.
func (m *Manifest) Asset(model *Model, name string) (string, bool) {
	if model != nil {
		if p, ok := model.Assets[name]; ok {
			return p, true
		}
	}
	p, ok := m.Assets[name]
	return p, ok
}

// UnknownModelError: a module has no model of that name.
type UnknownModelError struct {
	Module, Model string
	Known         []string
}

func (e *UnknownModelError) Error() string {
	return "module " + e.Module + " has no model " + msg.Quote(e.Model) + " (it has " + msg.JoinQuoted(e.Known) + ")"
}

// MergeMode says how a newly imported module combines with an installed one of the same
// name. Without merging, an install replaces the installed module whole.
type MergeMode int

const (
	MergeNone MergeMode = iota
	// MergeKeepOthers keeps the installed models the new module does not replace, after the
	// new module's own (the full LAC package keeps a lite model installed before it).
	MergeKeepOthers
	// MergeAddModels adds the new models to the installed module, which keeps its identity
	// (name, version, summary) and default model (the Paddle-Lite tagger joining lac).
	MergeAddModels
)
