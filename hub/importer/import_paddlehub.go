package importer

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/gohub/gohub/hub/store"
	"github.com/pkg/errors"
)

// phInfo is a PaddleHub module's identity (module_info in 1.x, @moduleinfo in 2.x).
type phInfo struct {
	name, version, summary, author, email string
}

// importPaddleHub1 maps a 1.x module (module_desc.pb, model/, assets/).
func importPaddleHub1(root string, spec Spec) (*store.Manifest, error) {
	data, err := os.ReadFile(filepath.Join(root, "module_desc.pb"))
	if err != nil {
		return nil, errors.Wrap(err, "read PaddleHub module")
	}
	desc, err := parseModuleDesc(data)
	if err != nil {
		return nil, err
	}
	info := phInfo{name: desc.info("name"), version: desc.info("version"), summary: desc.info("summary"),
		author: desc.info("author"), email: desc.info("author_email")}
	m, r, err := phManifest(info)
	if err != nil {
		return nil, err
	}
	modelDir := filepath.Join(root, "model")
	if !isModelDir(modelDir) {
		return nil, &MissingFileError{What: "inference model", Want: []string{"model/__model__"}}
	}
	if err := phPlace(m, r, spec, root, modelDir, nil); err != nil {
		return nil, err
	}
	// Fine-tuning an image classifier cuts its program where the description's signatures
	// say the feature map is (hub.Context), so the description stays with such a module.
	if m.Kind == store.KindImageClassification {
		if err := store.Transfer(filepath.Join(root, "module_desc.pb"), filepath.Join(spec.Dst, moduleDescFile), spec.Move); err != nil {
			return nil, err
		}
		m.Assets[store.AssetModuleDesc] = moduleDescFile
	}
	// The program's variables carry the @HUB_<name>@ prefix; the default signature names
	// the ones that matter and in which order.
	if sig, ok := desc.Signatures[desc.attrString("default_signature")]; ok {
		m.Models[0].Inputs, m.Models[0].Outputs = signatureSpecs(sig, r.inputs)
	}
	return m, nil
}

// moduleDescFile is where an imported 1.x module keeps its module_desc.pb, as PaddleHub does.
const moduleDescFile = "module_desc.pb"

// attrString returns a string entry of attr.map.
func (d *moduleDesc) attrString(key string) string {
	s, _ := d.Attr[key].(string)
	return s
}

// signatureSpecs turns a 1.x signature into tensor specs: names from the signature, types
// and shapes from what gohub knows of the module (the signature records neither).
func signatureSpecs(sig signature, declared []store.TensorSpec) (in, out []store.TensorSpec) {
	for i, f := range sig.Feeds {
		spec := store.TensorSpec{Name: f.VarName, DType: "float32"}
		if i < len(declared) {
			spec.DType, spec.Shape, spec.LoDLevel = declared[i].DType, declared[i].Shape, declared[i].LoDLevel
		}
		in = append(in, spec)
	}
	for _, f := range sig.Fetches {
		out = append(out, store.TensorSpec{Name: f.VarName, DType: "float32"})
	}
	return in, out
}

// importPaddleHub2 maps a 2.x code module: module.py with @moduleinfo, an inference model
// directory (infer_model/, model/, <name>_model/ ...) and assets.
func importPaddleHub2(root string, spec Spec) (*store.Manifest, error) {
	src, err := os.ReadFile(filepath.Join(root, "module.py"))
	if err != nil {
		return nil, errors.Wrap(err, "read PaddleHub module")
	}
	info, err := parseModuleInfo(string(src))
	if err != nil {
		return nil, err
	}
	m, r, err := phManifest(info)
	if err != nil {
		return nil, err
	}
	modelDir, err := findModelDir(root)
	if err != nil {
		return nil, err
	}
	// 2.x modules keep label files next to module.py (ssd's label_file.txt).
	var loose []string
	entries, _ := os.ReadDir(root)
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".txt") {
			loose = append(loose, filepath.Join(root, e.Name()))
		}
	}
	if err := phPlace(m, r, spec, root, modelDir, loose); err != nil {
		return nil, err
	}
	m.Models[0].Inputs = r.inputs
	return m, nil
}

// phManifest starts the manifest of a PaddleHub module from its identity and what gohub knows of it.
func phManifest(info phInfo) (*store.Manifest, knownModule, error) {
	if info.name == "" || info.version == "" {
		return nil, knownModule{}, &store.ManifestError{Field: "module_info", Reason: "the PaddleHub module declares no name or version"}
	}
	r, err := knownModuleFor(info.name)
	if err != nil {
		return nil, knownModule{}, err
	}
	return &store.Manifest{
		Name: store.NormalizeName(info.name), Version: info.version, Kind: r.kind,
		Summary: info.summary, Author: info.author, AuthorEmail: info.email,
		Preprocess: r.pre, Postprocess: r.post,
	}, r, nil
}

// phPlace moves the model to model/<name>/, assets/ and any loose label files to assets/,
// then fills in the model entry and binds the known module's assets.
func phPlace(m *store.Manifest, r knownModule, spec Spec, root, modelDir string, loose []string) error {
	dst := filepath.Join(spec.Dst, "model", r.model)
	if err := store.Transfer(modelDir, dst, spec.Move); err != nil {
		return err
	}
	assetDir := filepath.Join(spec.Dst, "assets")
	if src := filepath.Join(root, "assets"); exists(src) {
		if err := store.Transfer(src, assetDir, spec.Move); err != nil {
			return err
		}
	}
	for _, f := range loose {
		target := filepath.Join(assetDir, filepath.Base(f))
		if exists(target) {
			continue
		}
		if err := store.Transfer(f, target, spec.Move); err != nil {
			return err
		}
	}
	model, err := detectModel(spec.Dst, dst, r.model)
	if err != nil {
		return err
	}
	m.Models = []store.Model{model}
	m.Assets, err = r.bindAssets(spec.Dst)
	return err
}

// findModelDir finds the inference model of a 2.x module: a directory up to two levels
// below root that directly holds a program and its parameters.
func findModelDir(root string) (string, error) {
	var found string
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() || found != "" {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if depth := strings.Count(rel, string(filepath.Separator)); rel != "." && depth > 1 {
			return filepath.SkipDir
		}
		if rel != "." && isModelDir(path) {
			found = path
			return filepath.SkipAll
		}
		return nil
	})
	if err != nil {
		return "", errors.Wrap(err, "find the inference model")
	}
	if found == "" {
		return "", &MissingFileError{What: "inference model directory",
			Want: []string{"infer_model/__model__", "model/__model__", "*/*.pdmodel"}}
	}
	return found, nil
}

var (
	moduleInfoCall = regexp.MustCompile(`(?s)@moduleinfo\s*\((.*?)\)\s*\n\s*class\b`)
	moduleInfoArg  = regexp.MustCompile(`(\w+)\s*=\s*((?:(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*)+)`)
	pyString       = regexp.MustCompile(`"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'`)
)

// parseModuleInfo reads the string arguments of module.py's @moduleinfo(...) decorator.
// Only literal strings are understood (adjacent literals are joined, as Python does),
// which is how PaddleHub's modules write them.
func parseModuleInfo(src string) (phInfo, error) {
	call := moduleInfoCall.FindStringSubmatch(src)
	if call == nil {
		return phInfo{}, &store.ManifestError{Field: "module.py", Reason: "no @moduleinfo(...) decorator before a class"}
	}
	args := map[string]string{}
	for _, a := range moduleInfoArg.FindAllStringSubmatch(call[1], -1) {
		var b strings.Builder
		for _, lit := range pyString.FindAllStringSubmatch(a[2], -1) {
			b.WriteString(lit[1] + lit[2])
		}
		args[a[1]] = b.String()
	}
	return phInfo{name: args["name"], version: args["version"], summary: args["summary"],
		author: args["author"], email: args["author_email"]}, nil
}
