package hub

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/gohub/gohub/hub/imgcls"
	"github.com/gohub/gohub/hub/install"
	"github.com/gohub/gohub/hub/internal/fixture"
	"github.com/gohub/gohub/hub/internal/moduledesc"
	"github.com/gohub/gohub/hub/store"
	"github.com/gohub/gohub/internal/paddlecase"
	"github.com/gohub/gohub/internal/settings"
	"github.com/gohub/gohub/internal/shared"
	"github.com/gohub/gohub/paddle/framework"
)

// The resnet_v2_50_imagenet tests build PaddleHub's archives of the module around the
// seeded ResNet-50 that real Paddle writes (scripts/oracle/resnet50_seeded.py: the real
// graph and names, seeded weights) and check the whole module path - archive, manifest
// recipe, readers/picture, the engine, softmax and top k - against real Paddle's softmax on
// the same photo (testdata/models/resnet50_seeded_tabby, scripts/oracle/model_golden.py).

// seededResNet returns the seeded ResNet-50's program and combined parameters, or skips
// (fails under CI=true).
func seededResNet(t *testing.T) (prog, params []byte) {
	t.Helper()
	base := settings.BuildModelsDir()
	if base == "" {
		wd, err := os.Getwd()
		require.NoError(t, err)
		base = filepath.Join(filepath.Dir(wd), "build", "models") // the test runs in hub/
	}
	dir := filepath.Join(base, "resnet50_seeded")
	prog, err := os.ReadFile(filepath.Join(dir, "model.pdmodel"))
	if err != nil {
		missingSeededModel(t, "ResNet-50", dir)
	}
	params, err = os.ReadFile(filepath.Join(dir, "model.pdiparams"))
	require.NoError(t, err)
	return prog, params
}

// missingSeededModel fails in CI (CI=true), where make test writes the seeded models before
// the Go tests, and skips elsewhere.
func missingSeededModel(t testing.TB, what, dir string) {
	t.Helper()
	msg := "no seeded " + what + " at " + dir + ": `make seeded-models` " +
		"(scripts/oracle/seeded_models.sh) has real Paddle write it"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " (CI=true: make test writes it before the Go tests)")
	}
	t.Skip(msg)
}

// tabbyGolden is real Paddle's run of the seeded ResNet-50 on pld_tabby_cat.jpg.
type tabbyGolden struct {
	photo string
	input []byte    // the [1,3,224,224] float32 tensor Paddle was fed
	probs []float32 // Paddle's softmax over the 1000 classes
	rtol  float64
	atol  float64
}

func loadTabbyGolden(t *testing.T) tabbyGolden {
	t.Helper()
	dir := filepath.Join("..", "testdata", "models", "resnet50_seeded_tabby")
	raw, err := os.ReadFile(filepath.Join(dir, "case.json"))
	require.NoError(t, err)
	var meta struct {
		Image  string `json:"image"`
		Recipe string `json:"image_recipe"`
		Inputs []struct {
			File string `json:"file"`
		} `json:"inputs"`
		Outputs []struct {
			Shape []int  `json:"shape"`
			File  string `json:"file"`
		} `json:"outputs"`
		Tolerance struct{ Rtol, Atol float64 } `json:"tolerance"`
	}
	require.NoError(t, json.Unmarshal(raw, &meta))
	require.Equal(t, "resnet_v2_50_imagenet", meta.Recipe)
	require.Equal(t, []int{1, 1000}, meta.Outputs[0].Shape)
	photo, err := shared.Path(strings.Split(meta.Image, "/")...)
	if err != nil {
		t.Skipf("shared data absent: %v", err)
	}
	g := tabbyGolden{photo: photo, rtol: meta.Tolerance.Rtol, atol: meta.Tolerance.Atol}
	g.input, err = os.ReadFile(filepath.Join(dir, meta.Inputs[0].File))
	require.NoError(t, err)
	out, err := os.ReadFile(filepath.Join(dir, meta.Outputs[0].File))
	require.NoError(t, err)
	require.Len(t, out, 4000)
	g.probs = make([]float32, 1000)
	require.NoError(t, binary.Read(bytes.NewReader(out), binary.LittleEndian, g.probs))
	return g
}

// imagenetLabelList is ImageNet's 1000 labels as PaddleHub's label_list.txt writes them
// ("tench, Tinca tinca"): the shared synset_words.txt without its WordNet ids.
func imagenetLabelList(t *testing.T) string {
	t.Helper()
	p, err := shared.Path("models", "resnet50_topology", "synset_words.txt")
	if err != nil {
		t.Skipf("shared data absent: %v", err)
	}
	data, err := os.ReadFile(p)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	require.Len(t, lines, 1000)
	for i, l := range lines {
		_, label, ok := strings.Cut(l, " ")
		require.True(t, ok, l)
		lines[i] = label
	}
	return strings.Join(lines, "\n") + "\n"
}

// --- rewriting the seeded program (framework.ProgramDesc) into a module's ---

func parseProgram(t *testing.T, b []byte) *framework.ProgramDesc {
	t.Helper()
	var p framework.ProgramDesc
	require.NoError(t, proto.UnmarshalOptions{AllowPartial: true}.Unmarshal(b, &p))
	return &p
}

// renameArgs rewrites the arguments of an op's inputs and outputs: each gets
// fn(parameter, argument).
func renameArgs(op *framework.OpDesc, fn func(param, arg string) string) {
	for _, v := range append(append([]*framework.OpDesc_Var{}, op.GetInputs()...), op.GetOutputs()...) {
		for i, a := range v.Arguments {
			v.Arguments[i] = fn(v.GetParameter(), a)
		}
	}
}

// moduleProgram rewrites the seeded ResNet-50's program (Paddle's save_inference_model
// output, which ends fc -> softmax -> scale -> fetch) as a PaddleHub module keeps it: the
// classification signature's output is the fc logits (PaddleHub's processor applies the
// softmax), so softmax and scale go; every variable but feed and fetch is renamed; and
// there is one fetch per target, in order.
func moduleProgram(t *testing.T, prog []byte, rename func(string) string, targets []string) []byte {
	t.Helper()
	p := parseProgram(t, prog)
	require.Len(t, p.Blocks, 1)
	block := p.Blocks[0]
	dropped := map[string]bool{}
	var fetch *framework.OpDesc
	for _, op := range block.Ops {
		switch op.GetType() {
		case "softmax", "scale":
			renameArgs(op, func(param, arg string) string {
				if param == "Out" {
					dropped[arg] = true
				}
				return arg
			})
		case "fetch":
			require.Nil(t, fetch, "one fetch op")
			fetch = op
		}
	}
	require.Len(t, dropped, 2, "the program ends in softmax and scale")
	require.NotNil(t, fetch)
	var vars []*framework.VarDesc
	for _, v := range block.Vars {
		if !dropped[v.GetName()] {
			v.Name = proto.String(rename(v.GetName()))
			vars = append(vars, v)
		}
	}
	var ops []*framework.OpDesc
	for _, op := range block.Ops {
		switch op.GetType() {
		case "softmax", "scale", "fetch":
			continue
		}
		renameArgs(op, func(_, arg string) string { return rename(arg) })
		ops = append(ops, op)
	}
	for col, target := range targets {
		op := proto.Clone(fetch).(*framework.OpDesc)
		renameArgs(op, func(param, arg string) string {
			if param == "X" {
				return target
			}
			return arg
		})
		found := false
		for _, a := range op.Attrs {
			if a.GetName() == "col" {
				a.I, found = proto.Int32(int32(col)), true
			}
		}
		require.True(t, found, "fetch op's col attribute")
		ops = append(ops, op)
	}
	block.Vars, block.Ops = vars, ops
	out, err := proto.MarshalOptions{AllowPartial: true, Deterministic: true}.Marshal(p)
	require.NoError(t, err)
	return out
}

// splitParams cuts Paddle's combined parameter file into one file per parameter, as
// Fluid's per-variable save writes them (the same LoDTensor stream, one each). The combined
// file holds the persistable variables but feed and fetch in sorted-name order; every
// tensor's dims are checked against its VarDesc, so a wrong order cannot pass.
func splitParams(t *testing.T, prog, params []byte) map[string][]byte {
	t.Helper()
	dims := map[string][]int64{}
	for _, v := range parseProgram(t, prog).Blocks[0].Vars {
		// Parameters are persistable dense tensors (not FEED_MINIBATCH, FETCH_LIST).
		if v.GetPersistable() && v.GetType().GetType() == framework.VarType_LOD_TENSOR {
			dims[v.GetName()] = v.GetType().GetLodTensor().GetTensor().GetDims()
		}
	}
	names := make([]string, 0, len(dims))
	for n := range dims {
		names = append(names, n)
	}
	sort.Strings(names)
	require.Greater(t, len(names), 200, "ResNet-50 has 267 parameters")

	out := map[string][]byte{}
	rest := params
	for _, name := range names {
		start := rest
		take := func(n int) []byte {
			require.LessOrEqual(t, n, len(rest), "%s: truncated parameter file", name)
			b := rest[:n]
			rest = rest[n:]
			return b
		}
		require.Zero(t, binary.LittleEndian.Uint32(take(4)), "%s: LoDTensor version", name)
		levels := binary.LittleEndian.Uint64(take(8))
		for range levels {
			take(int(binary.LittleEndian.Uint64(take(8))))
		}
		require.Zero(t, binary.LittleEndian.Uint32(take(4)), "%s: Tensor version", name)
		var desc framework.VarType_TensorDesc
		require.NoError(t, proto.UnmarshalOptions{AllowPartial: true}.Unmarshal(take(int(int32(binary.LittleEndian.Uint32(take(4))))), &desc))
		require.Equal(t, dims[name], desc.GetDims(), "%s: dims in the parameter file", name)
		size := map[framework.VarType_Type]int64{
			framework.VarType_INT32: 4, framework.VarType_INT64: 8, framework.VarType_FP32: 4, framework.VarType_FP64: 8,
		}[desc.GetDataType()]
		require.NotZero(t, size, "%s: data type %v", name, desc.GetDataType())
		for _, n := range desc.GetDims() {
			size *= n
		}
		take(int(size))
		out[name] = start[:len(start)-len(rest)]
	}
	require.Empty(t, rest, "the parameter file holds more than the program's parameters")
	return out
}

// resnetModuleDescPB is resnet_v2_50_imagenet's 1.x module_desc.pb: module_info, the
// name prefix, and the two signatures of its create_module.py (classification: image ->
// fc logits, the default; feature_map: image -> the global average pool).
func resnetModuleDescPB(prefix string) []byte {
	return fixture.ModuleDesc(map[string]string{
		"name": "resnet_v2_50_imagenet", "version": "1.0.1", "type": "cv/classification",
		"summary": "ResNet50 is a image classfication model trained with ImageNet-2012 dataset.",
		"author":  "paddlepaddle", "author_email": "paddle-dev@baidu.com",
	}, map[string]string{"default_signature": "classification", "name_prefix": prefix},
		map[string]*moduledesc.ModuleVar{
			"classification": fixture.Signature(prefix+"image", "image", prefix+"fc_0.tmp_1"),
			"feature_map":    fixture.Signature(prefix+"image", "image", prefix+"pool2d_1.tmp_0"),
		})
}

// PaddleHub's resnet_v2_50_imagenet archives, 1.x and 2.x, built around the seeded
// ResNet-50, install through the Installer; Load(...).Classify on pld_tabby_cat.jpg gives
// real Paddle's top 5 classes, in order, with Paddle's probabilities.
func TestResnetPaddleHubArchivesMatchPaddle(t *testing.T) {
	prog, params := seededResNet(t)
	g := loadTabbyGolden(t)
	labelList := imagenetLabelList(t)
	labels, err := imgcls.ParseLabels("label_list.txt", []byte(labelList))
	require.NoError(t, err)

	const name = "resnet_v2_50_imagenet"
	prefix := "@HUB_" + name + "@"
	hubName := func(n string) string {
		if n == "feed" || n == "fetch" {
			return n
		}
		return prefix + n
	}
	// 1.x (create_module.py + serialize_to_path): every variable and parameter file named
	// @HUB_<name>@..., one file per parameter, and fetch targets for both signatures - the
	// feature map first, so that only the signature tells the logits apart.
	v1 := map[string]string{
		name + "/module_desc.pb":        string(resnetModuleDescPB(prefix)),
		name + "/check_info.pb":         "",
		name + "/assets/label_list.txt": labelList,
		name + "/python/0f7b8e5d.py":    "class Processor(object):\n    pass\n",
		name + "/model/__model__": string(moduleProgram(t, prog, hubName,
			[]string{prefix + "pool2d_1.tmp_0", prefix + "fc_0.tmp_1"})),
	}
	for n, b := range splitParams(t, prog, params) {
		v1[name+"/model/"+prefix+n] = string(b)
	}
	// 2.x code module (the layout of resnet50_vd_imagenet_ssld): module.py with
	// @moduleinfo, the inference model under model/ as .pdmodel/.pdiparams, and
	// label_list.txt beside module.py.
	v2 := map[string]string{
		name + "/module.py": "@moduleinfo(\n    name=\"resnet_v2_50_imagenet\",\n    type=\"cv/classification\",\n" +
			"    author=\"paddlepaddle\",\n    author_email=\"paddle-dev@baidu.com\",\n" +
			"    summary=\"ResNet50 is a image classfication model trained with ImageNet-2012 dataset.\",\n" +
			"    version=\"1.1.0\")\nclass ResNetV250ImageNet(hub.Module):\n    pass\n",
		name + "/label_list.txt": labelList,
		name + "/model/model.pdmodel": string(moduleProgram(t, prog, func(n string) string { return n },
			[]string{"fc_0.tmp_1"})),
		name + "/model/model.pdiparams": string(params),
	}

	want := paddlecase.TopClasses(g.probs, 5)
	for _, tc := range []struct {
		layout, version string
		assets          map[string]string
		files           map[string]string
		model           store.Model
		output          string
	}{
		{"1.x", "1.0.1", map[string]string{store.AssetLabelList: "assets/label_list.txt", store.AssetModuleDesc: "module_desc.pb"}, v1,
			store.Model{Name: "classification", Layout: store.LayoutDir, Dir: "model/classification"}, prefix + "fc_0.tmp_1"},
		{"2.x", "1.1.0", map[string]string{store.AssetLabelList: "assets/label_list.txt"}, v2,
			store.Model{Name: "classification", Layout: store.LayoutFiles, Program: "model/classification/model.pdmodel",
				Params: "model/classification/model.pdiparams"}, ""},
	} {
		t.Run(tc.layout, func(t *testing.T) {
			archive := fixture.WriteTarGz(t, filepath.Join(t.TempDir(), name+".tar.gz"), fixture.Entries(tc.files))
			h := store.Home{Root: t.TempDir()}
			res, err := (&install.Installer{Home: h}).Install(testCtx, archive)
			require.NoError(t, err)
			m := res.Module.Manifest
			assert.Equal(t, name, m.Name)
			assert.Equal(t, tc.version, m.Version)
			assert.Equal(t, store.KindImageClassification, m.Kind)
			assert.Equal(t, tc.assets, m.Assets)
			require.Len(t, m.Models, 1)
			got := m.Models[0]
			assert.Equal(t, tc.model, store.Model{Name: got.Name, Layout: got.Layout, Dir: got.Dir, Program: got.Program, Params: got.Params})
			if tc.output != "" {
				require.NotEmpty(t, got.Outputs)
				assert.Equal(t, tc.output, got.Outputs[0].Name, "the default signature's output")
			}

			// The installed module's preprocessing (module.yaml -> imgcls -> readers/picture)
			// makes exactly the tensor Paddle was fed.
			cfg, err := imgcls.ParseConfig(m.Preprocess, m.Postprocess)
			require.NoError(t, err)
			b, err := cfg.Load([]string{g.photo})
			require.NoError(t, err)
			var buf bytes.Buffer
			require.NoError(t, binary.Write(&buf, binary.LittleEndian, b.Data))
			require.True(t, bytes.Equal(g.input, buf.Bytes()),
				"the module's preprocessing no longer makes testdata/models/resnet50_seeded_tabby/input_0.bin")

			mod, err := Load(name, WithHome(h), WithTopK(5))
			require.NoError(t, err)
			defer mod.Close()
			out, err := mod.Classify([]string{g.photo})
			require.NoError(t, err)
			require.Len(t, out, 1)
			require.Len(t, out[0], 5)
			classes := make([]int, 5)
			for i, p := range out[0] {
				classes[i] = p.Class
				paddle := float64(g.probs[p.Class])
				t.Logf("%d %-28q gohub %.7f  Paddle %.7f  diff %.2g", p.Class, p.Label, p.Probability, paddle, p.Probability-paddle)
				assert.Equal(t, labels.Short[p.Class], p.Label)
				assert.LessOrEqual(t, math.Abs(p.Probability-paddle), g.atol+g.rtol*math.Abs(paddle),
					"class %d: gohub %.8g, Paddle %.8g", p.Class, p.Probability, paddle)
			}
			assert.Equal(t, want, classes, "Paddle's top 5, in order")
		})
	}
}
