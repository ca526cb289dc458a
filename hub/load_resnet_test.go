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

	"github.com/gohub/gohub/hub/imgcls"
	"github.com/gohub/gohub/hub/install"
	"github.com/gohub/gohub/hub/internal/fixture"
	"github.com/gohub/gohub/hub/store"
	"github.com/gohub/gohub/internal/settings"
	"github.com/gohub/gohub/internal/shared"
)

// The resnet_v2_50_imagenet tests build PaddleHub's archives of the module around the
// seeded ResNet-50 that real Paddle writes (scripts/oracle/resnet50_seeded.py: the real
// graph and names, seeded weights) and check the whole module path - archive, manifest
// recipe, readers/image, the engine, softmax and top k - against real Paddle's softmax on
// the same photo (testdata/models/resnet50_seeded_tabby, scripts/oracle/model_golden.py).

// seededResNet returns the seeded ResNet-50's program and combined parameters, or skips.
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
		t.Skipf("no seeded ResNet-50 at %s: `make oracle-models` (scripts/oracle/models_run.sh) has real Paddle write it", dir)
	}
	params, err = os.ReadFile(filepath.Join(dir, "model.pdiparams"))
	require.NoError(t, err)
	return prog, params
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

// top returns the indices of the k largest probabilities, largest first.
func (g tabbyGolden) top(k int) []int {
	idx := make([]int, len(g.probs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return g.probs[idx[a]] > g.probs[idx[b]] })
	return idx[:k]
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

// --- rewriting framework.proto messages: just enough to make a module's program ---

// pbField is one field of a protobuf message as written.
type pbField struct {
	num, wire int
	val       []byte // varint and fixed fields: their bytes; length-delimited: the payload
}

func pbSplit(t *testing.T, b []byte) []pbField {
	t.Helper()
	var out []pbField
	for len(b) > 0 {
		tag, n := binary.Uvarint(b)
		require.Positive(t, n, "protobuf tag")
		b = b[n:]
		f := pbField{num: int(tag >> 3), wire: int(tag & 7)}
		size := 0
		switch f.wire {
		case 0:
			_, size = binary.Uvarint(b)
			require.Positive(t, size, "protobuf varint")
		case 1:
			size = 8
		case 5:
			size = 4
		case 2:
			l, n := binary.Uvarint(b)
			require.True(t, n > 0 && l <= uint64(len(b)-n), "protobuf length")
			b, size = b[n:], int(l)
		default:
			t.Fatalf("protobuf wire type %d", f.wire)
		}
		require.LessOrEqual(t, size, len(b), "truncated protobuf field")
		f.val, b = b[:size], b[size:]
		out = append(out, f)
	}
	return out
}

func pbJoin(fs []pbField) []byte {
	var out []byte
	for _, f := range fs {
		out = append(out, fixture.PBTag(f.num, f.wire)...)
		if f.wire == 2 {
			out = binary.AppendUvarint(out, uint64(len(f.val)))
		}
		out = append(out, f.val...)
	}
	return out
}

// pbStr returns the first string field num of a message.
func pbStr(t *testing.T, b []byte, num int) string {
	t.Helper()
	for _, f := range pbSplit(t, b) {
		if f.num == num && f.wire == 2 {
			return string(f.val)
		}
	}
	return ""
}

// pbUint returns the first varint field num of a message.
func pbUint(t *testing.T, b []byte, num int) (uint64, bool) {
	t.Helper()
	for _, f := range pbSplit(t, b) {
		if f.num == num && f.wire == 0 {
			v, _ := binary.Uvarint(f.val)
			return v, true
		}
	}
	return 0, false
}

// pbSub returns the first message field num of a message.
func pbSub(t *testing.T, b []byte, num int) []byte {
	t.Helper()
	for _, f := range pbSplit(t, b) {
		if f.num == num && f.wire == 2 {
			return f.val
		}
	}
	return nil
}

// opArgs rewrites the arguments of an OpDesc's inputs (1) and outputs (2): each
// OpDesc.Var (parameter 1, arguments 2) gets fn(parameter, argument).
func opArgs(t *testing.T, op []byte, fn func(param, arg string) string) []byte {
	t.Helper()
	fs := pbSplit(t, op)
	for i, f := range fs {
		if f.num != 1 && f.num != 2 {
			continue
		}
		vfs := pbSplit(t, f.val)
		param := pbStr(t, f.val, 1)
		for j, vf := range vfs {
			if vf.num == 2 {
				vfs[j].val = []byte(fn(param, string(vf.val)))
			}
		}
		fs[i].val = pbJoin(vfs)
	}
	return pbJoin(fs)
}

// moduleProgram rewrites the seeded ResNet-50's program (Paddle's save_inference_model
// output, which ends fc -> softmax -> scale -> fetch) as a PaddleHub module keeps it: the
// classification signature's output is the fc logits (PaddleHub's processor applies the
// softmax), so softmax and scale go; every variable but feed and fetch is renamed; and
// there is one fetch per target, in order.
func moduleProgram(t *testing.T, prog []byte, rename func(string) string, targets []string) []byte {
	t.Helper()
	fields := pbSplit(t, prog)
	blocks := 0
	for i, f := range fields {
		if f.num != 1 { // ProgramDesc.blocks
			continue
		}
		blocks++
		bfs := pbSplit(t, f.val)
		dropped := map[string]bool{}
		var fetch []byte
		for _, bf := range bfs {
			if bf.num == 4 { // BlockDesc.ops
				switch pbStr(t, bf.val, 3) {
				case "softmax", "scale":
					opArgs(t, bf.val, func(param, arg string) string {
						if param == "Out" {
							dropped[arg] = true
						}
						return arg
					})
				case "fetch":
					require.Nil(t, fetch, "one fetch op")
					fetch = bf.val
				}
			}
		}
		require.Len(t, dropped, 2, "the program ends in softmax and scale")
		require.NotNil(t, fetch)
		var out []pbField
		for _, bf := range bfs {
			switch bf.num {
			case 3: // BlockDesc.vars: VarDesc.name is field 1
				name := pbStr(t, bf.val, 1)
				if dropped[name] {
					continue
				}
				vfs := pbSplit(t, bf.val)
				for j, vf := range vfs {
					if vf.num == 1 {
						vfs[j].val = []byte(rename(name))
					}
				}
				bf.val = pbJoin(vfs)
			case 4:
				switch pbStr(t, bf.val, 3) {
				case "softmax", "scale", "fetch":
					continue
				}
				bf.val = opArgs(t, bf.val, func(_, arg string) string { return rename(arg) })
			}
			out = append(out, bf)
		}
		for col, target := range targets {
			op := opArgs(t, fetch, func(param, arg string) string {
				if param == "X" {
					return target
				}
				return arg
			})
			ofs := pbSplit(t, op)
			found := false
			for j, of := range ofs {
				if of.num == 4 && pbStr(t, of.val, 1) == "col" { // OpDesc.attrs: Attr.i is field 3
					afs := pbSplit(t, of.val)
					for k, af := range afs {
						if af.num == 3 {
							afs[k].val = binary.AppendUvarint(nil, uint64(col))
							found = true
						}
					}
					ofs[j].val = pbJoin(afs)
				}
			}
			require.True(t, found, "fetch op's col attribute")
			out = append(out, pbField{num: 4, wire: 2, val: pbJoin(ofs)})
		}
		fields[i].val = pbJoin(out)
	}
	require.Equal(t, 1, blocks)
	return pbJoin(fields)
}

// splitParams cuts Paddle's combined parameter file into one file per parameter, as
// Fluid's per-variable save writes them (the same LoDTensor stream, one each). The combined
// file holds the persistable variables but feed and fetch in sorted-name order; every
// tensor's dims are checked against its VarDesc, so a wrong order cannot pass.
func splitParams(t *testing.T, prog, params []byte) map[string][]byte {
	t.Helper()
	block := pbSub(t, prog, 1)
	dims := map[string][]int64{}
	for _, f := range pbSplit(t, block) {
		if f.num != 3 {
			continue
		}
		if p, _ := pbUint(t, f.val, 3); p == 0 { // VarDesc.persistable
			continue
		}
		vt := pbSub(t, f.val, 2)                  // VarDesc.type
		if typ, _ := pbUint(t, vt, 1); typ != 7 { // LOD_TENSOR (not FEED_MINIBATCH, FETCH_LIST)
			continue
		}
		dims[pbStr(t, f.val, 1)] = tensorDims(t, pbSub(t, pbSub(t, vt, 3), 1)) // lod_tensor.tensor
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
		desc := take(int(int32(binary.LittleEndian.Uint32(take(4)))))
		d := tensorDims(t, desc)
		require.Equal(t, dims[name], d, "%s: dims in the parameter file", name)
		dt, _ := pbUint(t, desc, 1)
		size := map[uint64]int64{2: 4, 3: 8, 5: 4, 6: 8}[dt] // INT32, INT64, FP32, FP64
		require.NotZero(t, size, "%s: data type %d", name, dt)
		for _, n := range d {
			size *= n
		}
		take(int(size))
		out[name] = start[:len(start)-len(rest)]
	}
	require.Empty(t, rest, "the parameter file holds more than the program's parameters")
	return out
}

// tensorDims reads TensorDesc.dims (field 2), packed or not.
func tensorDims(t *testing.T, desc []byte) []int64 {
	t.Helper()
	var dims []int64
	for _, f := range pbSplit(t, desc) {
		if f.num != 2 {
			continue
		}
		b := f.val
		for len(b) > 0 {
			v, n := binary.Uvarint(b)
			require.Positive(t, n)
			dims, b = append(dims, int64(v)), b[n:]
			if f.wire == 0 {
				break
			}
		}
	}
	return dims
}

// resnetModuleDescPB is resnet_v2_50_imagenet's 1.x module_desc.pb: module_info, the
// name prefix, and the two signatures of its create_module.py (classification: image ->
// fc logits, the default; feature_map: image -> the global average pool).
func resnetModuleDescPB(prefix string) []byte {
	info := fixture.PBMap(map[string][]byte{
		"name": fixture.PBString("resnet_v2_50_imagenet"), "version": fixture.PBString("1.0.1"), "type": fixture.PBString("cv/classification"),
		"summary": fixture.PBString("ResNet50 is a image classfication model trained with ImageNet-2012 dataset."),
		"author":  fixture.PBString("paddlepaddle"), "author_email": fixture.PBString("paddle-dev@baidu.com"),
	})
	attr := fixture.PBMap(map[string][]byte{
		"module_info": info, "default_signature": fixture.PBString("classification"), "name_prefix": fixture.PBString(prefix),
	})
	sig := func(name, fetch string) []byte {
		feed := append(fixture.PBBytes(1, []byte(prefix+"image")), fixture.PBBytes(2, []byte("image"))...)
		v := append(fixture.PBBytes(1, fixture.PBBytes(1, []byte(prefix+fetch))), fixture.PBBytes(2, feed)...)
		return fixture.PBBytes(2, append(fixture.PBBytes(1, []byte(name)), fixture.PBBytes(2, v)...))
	}
	out := append(sig("classification", "fc_0.tmp_1"), sig("feature_map", "pool2d_1.tmp_0")...)
	return append(out, fixture.PBBytes(3, attr)...)
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

	want := g.top(5)
	for _, tc := range []struct {
		layout, version, asset string
		files                  map[string]string
		model                  store.Model
		output                 string
	}{
		{"1.x", "1.0.1", "assets/label_list.txt", v1,
			store.Model{Name: "classification", Layout: store.LayoutDir, Dir: "model/classification"}, prefix + "fc_0.tmp_1"},
		{"2.x", "1.1.0", "assets/label_list.txt", v2,
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
			assert.Equal(t, map[string]string{store.AssetLabelList: tc.asset}, m.Assets)
			require.Len(t, m.Models, 1)
			got := m.Models[0]
			assert.Equal(t, tc.model, store.Model{Name: got.Name, Layout: got.Layout, Dir: got.Dir, Program: got.Program, Params: got.Params})
			if tc.output != "" {
				require.NotEmpty(t, got.Outputs)
				assert.Equal(t, tc.output, got.Outputs[0].Name, "the default signature's output")
			}

			// The installed module's preprocessing (module.yaml -> imgcls -> readers/image)
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
