package serving

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pkg/errors"

	"github.com/gohub/gohub/hub"
	"github.com/gohub/gohub/hub/detect"
	"github.com/gohub/gohub/hub/facedet"
	"github.com/gohub/gohub/hub/imgcls"
	"github.com/gohub/gohub/hub/lexical"
	"github.com/gohub/gohub/hub/store"
)

// InputError is a request the module cannot take: a missing or unexpected field, a value
// of the wrong type, an image that does not decode. It is PaddleHub's status 101.
type InputError struct {
	Module string
	Reason string
}

func (e *InputError) Error() string { return e.Module + ": " + e.Reason }

// request is one parsed request: the inputs to batch, and what turns this request's share
// of the batch's results into its answer.
type request struct {
	inputs []string      // texts, or paths of saved pictures
	post   func(any) any // one result, filtered by the request's own arguments (nil: as is)
	files  []string      // to remove once answered
	names  []string      // each file's name for the client: "image 0", or its form file's name
}

func (r *request) cleanup() {
	for _, f := range r.files {
		_ = os.Remove(f)
	}
}

// module is a loaded module and how its requests are read and run.
type module struct {
	name     string
	version  string
	kind     store.Kind
	mod      *hub.Module
	defaults map[string]any // predict_args
	// served thresholds below which a request cannot ask (detections and faces below them
	// were dropped by the module)
	floor     float64
	shrink    float64
	visualize bool // predict_args' visualization: pictures are drawn under outputDir
	outputDir string
	run       runFunc
	parse     func(m *module, body map[string]json.RawMessage, pictures pictureSource) (*request, error)
	tmpDir    string
	batcher   *batcher
}

// category is PaddleHub's module category for /get/modules.
func (m *module) category() string {
	if m.kind == store.KindLexicalAnalysis {
		return "nlp"
	}
	return "cv"
}

// loadArgs turns a module's init_args and predict_args into hub.Load's options; name
// becomes a path for init_args' directory.
func loadArgs(mc ModuleConfig, c Config) (string, []hub.Option, error) {
	name := mc.Name
	opts := []hub.Option{hub.WithThreads(c.Workers), hub.WithBatchSize(c.MaxBatchSize)}
	if c.UseGPU {
		opts = append(opts, hub.WithGPU(c.GPUDevice))
	}
	for _, k := range sortedKeys(mc.InitArgs) {
		v := mc.InitArgs[k]
		s, isString := v.(string)
		switch k {
		case "version", "name":
			// checked against the installed module once loaded
		case "directory":
			if !isString || s == "" {
				return "", nil, errors.Errorf("init_args directory: want a path")
			}
			name = s
			if !strings.ContainsRune(name, filepath.Separator) && !strings.ContainsRune(name, '/') {
				name = "." + string(filepath.Separator) + name
			}
		case "user_dict":
			if !isString {
				return "", nil, errors.Errorf("init_args user_dict: want a path")
			}
			opts = append(opts, hub.WithUserDict(s))
		case "model":
			if !isString {
				return "", nil, errors.Errorf("init_args model: want a model name")
			}
			opts = append(opts, hub.WithModel(s))
		default:
			return "", nil, errors.Errorf("init_args %q is not supported (version, directory, user_dict, model are)", k)
		}
	}
	if on, _ := mc.PredictArgs["use_gpu"].(bool); on && !c.UseGPU {
		opts = append(opts, hub.WithGPU(c.GPUDevice))
	}
	if v, ok := number(mc.PredictArgs["score_threshold"]); ok {
		opts = append(opts, hub.WithScoreThreshold(v))
	}
	if v, ok := number(mc.PredictArgs["confs_threshold"]); ok {
		opts = append(opts, hub.WithConfsThreshold(v))
	}
	if v, ok := number(mc.PredictArgs["shrink"]); ok {
		opts = append(opts, hub.WithShrink(v))
	}
	if on, _ := mc.PredictArgs["visualization"].(bool); on {
		dir, _ := mc.PredictArgs["output_dir"].(string)
		opts = append(opts, hub.WithVisualization(dir), hub.WithFaceVisualization(dir))
	}
	// Every class ranked; each request keeps its top_k.
	opts = append(opts, hub.WithTopK(1<<20))
	return name, opts, nil
}

// openModule loads one module to serve.
func openModule(mc ModuleConfig, c Config, load func(string, ...hub.Option) (*hub.Module, error), tmpDir string) (*module, error) {
	name, opts, err := loadArgs(mc, c)
	if err != nil {
		return nil, errors.WithMessagef(err, "module %s", mc.Name)
	}
	hm, err := load(name, opts...)
	if err != nil {
		return nil, err
	}
	mf := hm.Manifest
	if want, ok := mc.InitArgs["version"].(string); ok && want != "" && want != mf.Version {
		_ = hm.Close()
		return nil, errors.Errorf("module %s: version %s is installed, the config asks for %s", mc.Name, mf.Version, want)
	}
	m := &module{name: mc.Name, version: mf.Version, kind: mf.Kind, mod: hm, defaults: mc.PredictArgs, tmpDir: tmpDir}
	m.visualize, _ = mc.PredictArgs["visualization"].(bool)
	if m.visualize {
		m.outputDir, _ = mc.PredictArgs["output_dir"].(string)
		if m.outputDir == "" {
			m.outputDir = detect.DefaultOutputDir // facedet's is the same
		}
	}
	switch mf.Kind {
	case store.KindLexicalAnalysis:
		m.parse = parseText
		m.run = func(in []string) ([]any, error) { return anys(hm.Cut(in)) }
	case store.KindImageClassification:
		m.parse = parseClassify
		m.run = func(in []string) ([]any, error) { return anys(hm.Classify(in)) }
	case store.KindObjectDetection:
		cfg, err := detect.ParseConfig(mf.Preprocess, mf.Postprocess)
		if err != nil {
			_ = hm.Close()
			return nil, err
		}
		m.floor = cfg.ScoreThreshold
		if v, ok := number(mc.PredictArgs["score_threshold"]); ok {
			m.floor = v
		}
		m.parse = parseDetect
		m.run = func(in []string) ([]any, error) { return anys(hm.Detect(in)) }
	case store.KindFaceDetection:
		cfg, err := facedet.ParseConfig(mf.Preprocess, mf.Postprocess)
		if err != nil {
			_ = hm.Close()
			return nil, err
		}
		m.floor, m.shrink = cfg.ConfThreshold, cfg.Shrink
		if v, ok := number(mc.PredictArgs["confs_threshold"]); ok {
			m.floor = v
		}
		if v, ok := number(mc.PredictArgs["shrink"]); ok {
			m.shrink = v
		}
		m.parse = parseFaces
		m.run = func(in []string) ([]any, error) { return anys(hm.DetectFaces(in)) }
	default:
		_ = hm.Close()
		return nil, errors.Errorf("module %s: gohub cannot serve %s modules", mc.Name, mf.Kind)
	}
	return m, nil
}

func anys[T any](results []T, err error) ([]any, error) {
	if err != nil {
		return nil, err
	}
	out := make([]any, len(results))
	for i, r := range results {
		out[i] = r
	}
	return out, nil
}

// args merges a request's body over the module's predict_args and checks its fields:
// allowed lists the fields the module takes (besides those every module takes).
func (m *module) args(body map[string]json.RawMessage, allowed ...string) (map[string]json.RawMessage, error) {
	out := map[string]json.RawMessage{}
	for k, v := range m.defaults {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		out[k] = b
	}
	allowed = append(allowed, "use_gpu", "batch_size")
	for _, k := range sortedKeys(body) {
		if !slices.Contains(allowed, k) {
			return nil, m.inputErrorf("unexpected field %q (%s takes %s)", k, m.name, quoteList(allowed))
		}
		out[k] = body[k]
	}
	if b, ok := out["batch_size"]; ok {
		var n int
		if json.Unmarshal(b, &n) != nil || n < 1 {
			return nil, m.inputErrorf("batch_size: want a positive whole number")
		}
	}
	if b, ok := out["use_gpu"]; ok {
		var on bool
		if json.Unmarshal(b, &on) != nil {
			return nil, m.inputErrorf("use_gpu: want true or false")
		}
	}
	return out, nil
}

func (m *module) inputErrorf(format string, a ...any) error {
	return &InputError{Module: m.name, Reason: fmt.Sprintf(format, a...)}
}

// parseText reads lac's {"text": [...], "return_tag": bool}.
func parseText(m *module, body map[string]json.RawMessage, pictures pictureSource) (*request, error) {
	a, err := m.args(body, "text", "return_tag")
	if err != nil {
		return nil, err
	}
	raw, ok := a["text"]
	if !ok {
		return nil, m.inputErrorf(`missing field "text": want {"text": ["..."]}`)
	}
	var texts []string
	if err := json.Unmarshal(raw, &texts); err != nil {
		var one string
		if json.Unmarshal(raw, &one) != nil {
			return nil, m.inputErrorf(`"text": want a list of strings`)
		}
		texts = []string{one}
	}
	if len(texts) == 0 {
		return nil, m.inputErrorf(`"text" is empty`)
	}
	r := &request{inputs: texts}
	if b, ok := a["return_tag"]; ok {
		var on bool
		if json.Unmarshal(b, &on) != nil {
			return nil, m.inputErrorf("return_tag: want true or false")
		}
		if !on {
			r.post = func(v any) any {
				res := v.(lexical.Result)
				res.Tag = nil
				return res
			}
		}
	}
	return r, nil
}

// visualization checks a request's visualization and output_dir against the served ones:
// pictures are drawn (under output_dir) only where the module's predict_args say so. It
// reports whether this request wants the drawn pictures' save_path.
func (m *module) visualization(a map[string]json.RawMessage) (bool, error) {
	on := m.visualize
	if b, ok := a["visualization"]; ok {
		if json.Unmarshal(b, &on) != nil {
			return false, m.inputErrorf("visualization: want true or false")
		}
		if on && !m.visualize {
			return false, m.inputErrorf(`visualization is off for %s: set "visualization": true in its predict_args to have pictures drawn`, m.name)
		}
	}
	if b, ok := a["output_dir"]; ok && on {
		var dir string
		if json.Unmarshal(b, &dir) != nil || filepath.Clean(dir) != filepath.Clean(m.outputDir) {
			return false, m.inputErrorf("output_dir: %s draws its pictures under %s (its predict_args' output_dir)", m.name, m.outputDir)
		}
	}
	return on, nil
}

// parseClassify reads {"images": [...], "top_k": n}.
func parseClassify(m *module, body map[string]json.RawMessage, pictures pictureSource) (*request, error) {
	a, err := m.args(body, "images", "top_k")
	if err != nil {
		return nil, err
	}
	k := 1 // PaddleHub's default
	if b, ok := a["top_k"]; ok {
		if json.Unmarshal(b, &k) != nil || k < 1 {
			return nil, m.inputErrorf("top_k: want a positive whole number")
		}
	}
	r, err := pictures(a)
	if err != nil {
		return nil, err
	}
	r.post = func(v any) any {
		res := v.(imgcls.Result)
		return res[:min(k, len(res))]
	}
	return r, nil
}

// threshold reads a request's threshold key, which may not go below the served one.
func (m *module) threshold(a map[string]json.RawMessage, key string) (float64, error) {
	b, ok := a[key]
	if !ok {
		return m.floor, nil
	}
	var v float64
	if json.Unmarshal(b, &v) != nil || v < 0 || v > 1 {
		return 0, m.inputErrorf("%s: want a number from 0 to 1", key)
	}
	if v < m.floor {
		return 0, m.inputErrorf("%s %v is below the served %v: set it in the module's predict_args", key, v, m.floor)
	}
	return v, nil
}

// parseDetect reads {"images": [...], "score_threshold": v, "visualization": false}.
func parseDetect(m *module, body map[string]json.RawMessage, pictures pictureSource) (*request, error) {
	a, err := m.args(body, "images", "score_threshold", "visualization", "output_dir")
	if err != nil {
		return nil, err
	}
	draw, err := m.visualization(a)
	if err != nil {
		return nil, err
	}
	thresh, err := m.threshold(a, "score_threshold")
	if err != nil {
		return nil, err
	}
	r, err := pictures(a)
	if err != nil {
		return nil, err
	}
	r.post = func(v any) any {
		res := v.(detect.Result)
		res.Path = ""
		if !draw {
			res.SavePath = ""
		}
		res.Data = slices.DeleteFunc(slices.Clone(res.Data), func(o detect.Object) bool { return o.Confidence < thresh })
		if res.Data == nil {
			res.Data = []detect.Object{}
		}
		return res
	}
	return r, nil
}

// parseFaces reads {"images": [...], "confs_threshold": v, "shrink": s, "visualization": false}.
func parseFaces(m *module, body map[string]json.RawMessage, pictures pictureSource) (*request, error) {
	a, err := m.args(body, "images", "confs_threshold", "shrink", "visualization", "output_dir")
	if err != nil {
		return nil, err
	}
	draw, err := m.visualization(a)
	if err != nil {
		return nil, err
	}
	thresh, err := m.threshold(a, "confs_threshold")
	if err != nil {
		return nil, err
	}
	if b, ok := a["shrink"]; ok {
		var s float64
		if json.Unmarshal(b, &s) != nil || s != m.shrink {
			return nil, m.inputErrorf("shrink: the module is served with shrink %v; set another in its predict_args", m.shrink)
		}
	}
	r, err := pictures(a)
	if err != nil {
		return nil, err
	}
	r.post = func(v any) any {
		res := v.(facedet.Result)
		res.Path = ""
		if !draw {
			res.SavePath = ""
		}
		res.Data = slices.DeleteFunc(slices.Clone(res.Data), func(f facedet.Face) bool { return f.Score <= thresh })
		if res.Data == nil {
			res.Data = []facedet.Face{}
		}
		return res
	}
	return r, nil
}

// number reads a JSON number from a config value (json.Number or float64).
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float64:
		return n, true
	case int:
		return float64(n), true
	}
	return 0, false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
