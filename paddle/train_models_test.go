package paddle

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/paddle/framework"
)

// Whole-program training against real PaddlePaddle 3.3.1: the goldens that
// scripts/oracle/train_golden.py writes into build/train-goldens/<model>/ (make test generates
// them, cached; make oracle-train regenerates them). Per model: Paddle's own training programs
// run on our executor (one SGD step: the loss and every parameter's gradient; 20 Momentum and
// 20 Adam steps: the loss of every step and every parameter and running statistic after the
// last), our AppendBackward on the forward program gives Paddle's gradients, and (gesture_rec,
// shufflenet) the model SaveInferenceModel exports after the Adam steps gives, in real
// paddle.inference, our Predictor's outputs.
//
// Tolerances: relative, per tensor: max|ours - Paddle's| / max|Paddle's|.
const (
	trainRelTol  = 1e-3
	exportRelTol = 1e-4
	noiseFrac    = 1e-4 // see compareSet
)

var trainModels = []string{"cifar_resnet", "gesture_rec", "shufflenet_v2_imagenet", "resnet50_imagenet_partial"}

// exportModels are the models whose trained program is exported and checked in paddle.inference.
var exportModels = map[string]bool{"gesture_rec": true, "shufflenet_v2_imagenet": true}

type goldenTensor struct {
	Name   string  `json:"name"`
	Dtype  string  `json:"dtype"`
	Shape  []int64 `json:"shape"`
	Offset int64   `json:"offset"`
	Zeros  bool    `json:"zeros"` // all zeros, no bytes in the file
}

type goldenSet struct {
	File    string         `json:"file"`
	Tensors []goldenTensor `json:"tensors"`
}

type trainGolden struct {
	dir          string
	Model        string               `json:"model"`
	Paddle       string               `json:"paddle"`
	Image        string               `json:"image"`
	Label        string               `json:"label"`
	Loss         string               `json:"loss"`
	Prob         string               `json:"prob"`
	FeatureMap   string               `json:"feature_map"`
	Side         int64                `json:"side"`
	Batch        int64                `json:"batch"`
	Steps        int                  `json:"steps"`
	Params       []string             `json:"params"`
	Persistables []string             `json:"persistables"`
	Losses       map[string][]float64 `json:"losses"`
	Sets         map[string]goldenSet `json:"sets"`
}

// goldenValue is one tensor of a set: float32, int64 or uint8 data.
type goldenValue struct {
	shape []int64
	f32   []float32
	i64   []int64
	u8    []uint8
}

func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs("..")
	require.NoError(t, err)
	return dir
}

// missingTrainOracle fails in CI (CI=true), where the goldens must exist, and skips elsewhere.
func missingTrainOracle(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (CI=true: make test generates them before the Go tests; run `make oracle-train`)", msg)
	}
	t.Skipf("%s; run `make oracle-train` to generate them", msg)
}

func loadTrainGolden(t testing.TB, model string) *trainGolden {
	t.Helper()
	dir := filepath.Join(repoRoot(t), "build", "train-goldens", model)
	b, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if os.IsNotExist(err) {
		missingTrainOracle(t, "training goldens for %s absent (%s)", model, dir)
	}
	require.NoError(t, err)
	g := &trainGolden{dir: dir}
	require.NoError(t, json.Unmarshal(b, g))
	return g
}

func (g *trainGolden) program(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(g.dir, name))
	require.NoError(t, err)
	return b
}

// set reads a tensor set whole.
func (g *trainGolden) set(t testing.TB, name string) map[string]goldenValue {
	t.Helper()
	s, ok := g.Sets[name]
	require.True(t, ok, "index.json has no set %q", name)
	raw, err := os.ReadFile(filepath.Join(g.dir, s.File))
	require.NoError(t, err)
	out := make(map[string]goldenValue, len(s.Tensors))
	for _, e := range s.Tensors {
		n := int64(1)
		for _, d := range e.Shape {
			n *= d
		}
		v := goldenValue{shape: e.Shape}
		if e.Zeros {
			switch e.Dtype {
			case "float32":
				v.f32 = make([]float32, n)
			case "int64":
				v.i64 = make([]int64, n)
			case "uint8":
				v.u8 = make([]uint8, n)
			default:
				t.Fatalf("%s/%s: dtype %s", name, e.Name, e.Dtype)
			}
			out[e.Name] = v
			continue
		}
		switch e.Dtype {
		case "float32":
			require.LessOrEqual(t, e.Offset+4*n, int64(len(raw)), "%s/%s", name, e.Name)
			v.f32 = make([]float32, n)
			decodeFloat32(v.f32, raw[e.Offset:])
		case "int64":
			require.LessOrEqual(t, e.Offset+8*n, int64(len(raw)), "%s/%s", name, e.Name)
			v.i64 = make([]int64, n)
			for i := range v.i64 {
				v.i64[i] = int64(binary.LittleEndian.Uint64(raw[e.Offset+8*int64(i):]))
			}
		case "uint8":
			require.LessOrEqual(t, e.Offset+n, int64(len(raw)), "%s/%s", name, e.Name)
			v.u8 = raw[e.Offset : e.Offset+n]
		default:
			t.Fatalf("%s/%s: dtype %s", name, e.Name, e.Dtype)
		}
		out[e.Name] = v
	}
	return out
}

func setGolden(t testing.TB, s *Scope, name string, v goldenValue) {
	t.Helper()
	if v.i64 != nil {
		require.NoError(t, s.SetInt64(name, v.shape, v.i64))
		return
	}
	require.NoError(t, s.SetFloat32(name, v.shape, v.f32))
}

// trainScope holds the initial parameters and the optimizer's initial state (opt "" for none).
func (g *trainGolden) trainScope(t testing.TB, opt string) *Scope {
	t.Helper()
	s, err := NewScope()
	require.NoError(t, err)
	t.Cleanup(s.Destroy)
	sets := []string{"init"}
	if opt != "" {
		sets = append(sets, "init_"+opt)
	}
	for _, set := range sets {
		for name, v := range g.set(t, set) {
			setGolden(t, s, name, v)
		}
	}
	return s
}

func (g *trainGolden) feedBatch(t testing.TB, s *Scope, batches map[string]goldenValue, i int) {
	t.Helper()
	setGolden(t, s, g.Image, batches[fmt.Sprintf("image_%d", i)])
	setGolden(t, s, g.Label, batches[fmt.Sprintf("label_%d", i)])
}

// The loops over whole models' values below run without the race detector's instrumentation
// (go test -race, as make test runs it, would make them ten times slower); they touch only
// memory of their own goroutine.

//go:norace
func decodeFloat32(dst []float32, raw []byte) {
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
}

// maxDiff is max|a - b|.
//
//go:norace
func maxDiff(a, b []float32) float64 {
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i])-float64(b[i])))
	}
	return d
}

// relErr is max|got - want| / max|want| (0 when both are zero).
//
//go:norace
func relErr(got, want []float32) float64 {
	var diff, scale float64
	for i := range want {
		diff = math.Max(diff, math.Abs(float64(got[i])-float64(want[i])))
		scale = math.Max(scale, math.Abs(float64(want[i])))
	}
	if diff == 0 {
		return 0
	}
	return diff / scale
}

//go:norace
func maxAbs(v []float32) float64 {
	m := 0.0
	for _, x := range v {
		m = math.Max(m, math.Abs(float64(x)))
	}
	return m
}

// compareSet compares the scope's values of names with want, tensor by tensor (relErr), and
// fails the test for each above trainRelTol, except float32 noise: a tensor whose largest
// value is below noiseFrac times the largest of the set is analytically zero (e.g. the
// gradient of a batch-norm offset that reaches the loss only through another training-mode
// batch norm), and both engines hold rounding noise there; its error is logged relative to
// the set's largest value. assert false only logs.
func compareSet(t *testing.T, check string, s *Scope, want map[string]goldenValue, names []string, assert bool) {
	t.Helper()
	top := 0.0
	for _, n := range names {
		top = math.Max(top, maxAbs(want[n].f32))
	}
	var worst, worstNoise float64
	var worstName, worstNoiseName string
	var bad []string
	noise := 0
	for _, n := range names {
		w := want[n]
		got, err := s.Float32(n)
		if err != nil || len(got) != len(w.f32) {
			bad = append(bad, fmt.Sprintf("%s (unreadable or %d values, want %d: %v)", n, len(got), len(w.f32), err))
			continue
		}
		if maxAbs(w.f32) < noiseFrac*top {
			noise++
			if d := maxDiff(got, w.f32); d/top >= worstNoise {
				worstNoise, worstNoiseName = d/top, n
			}
			continue
		}
		e := relErr(got, w.f32)
		if e >= worst {
			worst, worstName = e, n
		}
		if !(e <= trainRelTol) {
			bad = append(bad, fmt.Sprintf("%s %.3g", n, e))
		}
	}
	msg := fmt.Sprintf("%s: %d tensors, worst relative error %.3g (%s)", check, len(names)-noise, worst, worstName)
	if noise > 0 {
		msg += fmt.Sprintf("; %d float32-noise tensors (largest value < %.0e of the set's), worst error %.3g of the set's largest (%s)",
			noise, noiseFrac, worstNoise, worstNoiseName)
	}
	t.Log(msg)
	if len(bad) == 0 {
		return
	}
	sort.Strings(bad)
	if len(bad) > 20 {
		bad = append(bad[:20], "...")
	}
	if assert {
		t.Errorf("%s: %d tensors above %.0e: %s", check, len(bad), trainRelTol, strings.Join(bad, "; "))
	} else {
		t.Logf("%s: %d tensors above %.0e: %s", check, len(bad), trainRelTol, strings.Join(bad, "; "))
	}
}

// checkLoss compares one loss value.
func checkLoss(t *testing.T, check string, got float32, want float64) float64 {
	t.Helper()
	e := relErr([]float32{got}, []float32{float32(want)})
	if !(e <= trainRelTol) {
		t.Errorf("%s: loss %.7g, Paddle %.7g: relative error %.3g", check, got, want, e)
	}
	return e
}

func (g *trainGolden) loss(t *testing.T, s *Scope) float32 {
	t.Helper()
	l, err := s.Float32(g.Loss)
	require.NoError(t, err)
	require.Len(t, l, 1)
	return l[0]
}

func newTrainExecutor(t testing.TB, desc []byte, s *Scope) *Executor {
	t.Helper()
	p, err := NewProgram(desc)
	require.NoError(t, err)
	defer p.Destroy()
	e, err := NewExecutor(p, s, 1)
	require.NoError(t, err)
	t.Cleanup(e.Destroy)
	return e
}

// Suffixes of the per-step sets' entries for the noise values inside a gradient (see
// train_golden.py's NOISE): which values (a bit mask, most significant bit first) and
// Paddle's values there.
const (
	noiseMask  = "@noise_mask"
	noiseValue = "@noise_value"
)

// names lists a per-step set's activations (grads false) or its whole gradients (grads true).
func names(set map[string]goldenValue, grads bool) []string {
	var out []string
	for n := range set {
		if strings.HasSuffix(n, noiseMask) || strings.HasSuffix(n, noiseValue) {
			continue
		}
		if strings.HasSuffix(n, "@GRAD") == grads {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// unmask sets dst's values whose bit is set in mask (most significant bit first) to vals, in
// order; returns how many it set.
//
//go:norace
func unmask(dst []float32, mask []uint8, vals []float32) int {
	k := 0
	for i := range dst {
		if mask[i/8]&(0x80>>(i%8)) != 0 && k < len(vals) {
			dst[i] = vals[k]
			k++
		}
	}
	return k
}

// forceNoise gives the scope Paddle's gradients where they are float32 noise: whole gradients
// and values inside one; returns how many values it replaced.
func forceNoise(t testing.TB, s *Scope, set map[string]goldenValue) int {
	t.Helper()
	n := 0
	for _, name := range names(set, true) {
		setGolden(t, s, name, set[name])
		n += len(set[name].f32)
	}
	for key, mask := range set {
		grad, ok := strings.CutSuffix(key, noiseMask)
		if !ok {
			continue
		}
		vals := set[grad+noiseValue].f32
		got, err := s.Float32(grad)
		require.NoError(t, err)
		shape, _, err := s.Shape(grad)
		require.NoError(t, err)
		k := unmask(got, mask.u8, vals)
		require.Equal(t, len(vals), k, "%s: mask and values disagree", grad)
		require.NoError(t, s.SetFloat32(grad, shape, got))
		n += k
	}
	return n
}

// checkGrads compares the loss and every parameter gradient after one run with the SGD goldens.
func (g *trainGolden) checkGrads(t *testing.T, check string, s *Scope, assert bool) {
	t.Helper()
	want := g.set(t, "sgd_step1")
	e := relErr([]float32{g.loss(t, s)}, []float32{float32(g.Losses["sgd"][0])})
	t.Logf("%s: loss relative error %.3g", check, e)
	if assert {
		checkLoss(t, check, g.loss(t, s), g.Losses["sgd"][0])
	}
	grads := make([]string, len(g.Params))
	for i, p := range g.Params {
		grads[i] = p + "@GRAD"
		require.Contains(t, want, grads[i])
	}
	compareSet(t, check+": gradients", s, want, grads, assert)
}

// programParts splits a training program into its forward ops (those before the op that
// seeds loss@GRAD), its backward ops and its optimizer ops (op_role Optimize, or an optimizer
// type), serialized.
func programParts(t testing.TB, desc []byte, loss string) (fwd, bwd, opt []byte) {
	t.Helper()
	p, err := framework.ParseProgram(desc)
	require.NoError(t, err)
	ops := p.Ops()
	start := -1
	for i, op := range ops {
		for _, o := range op.Outputs {
			if start < 0 && slices.Contains(o.Arguments, loss+"@GRAD") {
				start = i
			}
		}
	}
	require.GreaterOrEqual(t, start, 0, "no op writes %s@GRAD", loss)
	var back, upd []*framework.OpDesc
	for _, op := range ops[start:] {
		if isOptimizerOp(op) {
			upd = append(upd, op)
		} else {
			back = append(back, op)
		}
	}
	part := func(ops []*framework.OpDesc) []byte {
		q := p.Clone()
		q.Desc().Blocks[0].Ops = ops
		b, err := q.Bytes()
		require.NoError(t, err)
		return b
	}
	return part(ops[:start]), part(back), part(upd)
}

func isOptimizerOp(op *framework.OpDesc) bool {
	switch op.GetType() {
	case "sgd", "momentum", "adam", "adamw":
		return true
	}
	for _, a := range op.GetAttrs() {
		if a.GetName() == "op_role" && a.GetI()&2 != 0 {
			return true
		}
	}
	return false
}

// kinkFlips counts the activations of ReLU-like ops that lie on the other side of a kink (0,
// and 6 for relu6) in our forward pass than in Paddle's: there float32 rounding alone changes
// the gradient discontinuously.
func kinkFlips(t *testing.T, fwdDesc []byte, s *Scope, want map[string]goldenValue) int {
	t.Helper()
	p, err := framework.ParseProgram(fwdDesc)
	require.NoError(t, err)
	flips := 0
	for _, op := range p.Ops() {
		typ := op.GetType()
		if typ != "relu" && typ != "relu6" {
			continue
		}
		for _, o := range op.Outputs {
			for _, name := range o.Arguments {
				w, ok := want[name]
				if !ok {
					continue
				}
				got, err := s.Float32(name)
				require.NoError(t, err)
				flips += countFlips(got, w.f32, typ == "relu6")
			}
		}
	}
	return flips
}

//go:norace
func countFlips(got, want []float32, six bool) int {
	n := 0
	for i := range got {
		if (got[i] > 0) != (want[i] > 0) || (six && (got[i] < 6) != (want[i] < 6)) {
			n++
		}
	}
	return n
}

// overwrite sets the scope's activations named in set to Paddle's.
func overwrite(t testing.TB, s *Scope, set map[string]goldenValue) {
	t.Helper()
	for _, n := range names(set, false) {
		setGolden(t, s, n, set[n])
	}
}

// checkStep1 checks one training step of desc (Paddle's SGD program or ours): the forward part
// alone (every activation the backward reads, against Paddle's), the backward part alone on
// Paddle's activations (the loss and every gradient), and the whole program end to end (its
// gradients must match too unless a ReLU input crossed a kink differently, see kinkFlips).
func (g *trainGolden) checkStep1(t *testing.T, who string, desc []byte, opt string, batches map[string]goldenValue) {
	t.Helper()
	start := time.Now()
	fwdDesc, bwdDesc, _ := programParts(t, desc, g.Loss)
	step := g.set(t, "fwd_sgd_0")

	s := g.trainScope(t, opt)
	g.feedBatch(t, s, batches, 0)
	require.NoError(t, newTrainExecutor(t, fwdDesc, s).Run())
	compareSet(t, who+", forward: activations the backward reads", s, step, names(step, false), true)
	flips := kinkFlips(t, fwdDesc, s, step)

	overwrite(t, s, step)
	require.NoError(t, newTrainExecutor(t, bwdDesc, s).Run())
	g.checkGrads(t, who+", backward on Paddle's activations", s, true)

	s = g.trainScope(t, opt)
	g.feedBatch(t, s, batches, 0)
	require.NoError(t, newTrainExecutor(t, desc, s).Run())
	g.checkGrads(t, fmt.Sprintf("%s, end to end (%d ReLU activations crossed a kink differently)", who, flips), s, flips == 0)
	t.Logf("%s: %.1fs", who, time.Since(start).Seconds())
}

func TestTrainModelsAgainstPaddle(t *testing.T) {
	for _, model := range trainModels {
		t.Run(model, func(t *testing.T) {
			g := loadTrainGolden(t, model)
			batches := g.set(t, "batches")

			t.Run("sgd_step1", func(t *testing.T) {
				g.checkStep1(t, "Paddle's SGD program", g.program(t, "train_sgd.pdmodel"), "sgd", batches)
			})

			t.Run("own_backward", func(t *testing.T) {
				p, err := NewProgram(g.program(t, "forward.pdmodel"))
				require.NoError(t, err)
				defer p.Destroy()
				require.NoError(t, p.AppendBackward(g.Loss))
				desc, err := p.Bytes()
				require.NoError(t, err)
				g.checkStep1(t, "our AppendBackward", desc, "", batches)
			})

			for _, opt := range []string{"momentum", "adam"} {
				t.Run(opt, func(t *testing.T) {
					if testing.Short() && model == "resnet50_imagenet_partial" {
						t.Skip("-short: the 20-step ResNet-50 runs skipped")
					}
					train := g.program(t, "train_"+opt+".pdmodel")
					s := g.checkSteps(t, opt, train, batches)
					if exportModels[model] && opt == "adam" {
						g.checkExport(t, train, s, batches)
					}
				})
			}
		})
	}
}

// checkSteps runs Paddle's 20-step program in three parts per step: our forward ops (their
// loss against Paddle's), our backward ops on Paddle's activations of that step (so that ReLU
// kinks that float32 rounding crosses differently, see kinkFlips, cannot steer the two
// trajectories apart), and our optimizer ops, given Paddle's gradient values where those are
// float32 noise (forceNoise; Adam would turn noise into steps of the learning rate); then every
// parameter and running statistic against Paddle's. The same program run freely (our
// activations and gradients throughout) is logged beside it. Returns the checked scope.
func (g *trainGolden) checkSteps(t *testing.T, opt string, train []byte, batches map[string]goldenValue) *Scope {
	t.Helper()
	start := time.Now()
	want := g.Losses[opt]
	require.Len(t, want, g.Steps)
	fwdDesc, bwdDesc, optDesc := programParts(t, train, g.Loss)
	s := g.trainScope(t, opt)
	fwd, bwd, upd := newTrainExecutor(t, fwdDesc, s), newTrainExecutor(t, bwdDesc, s), newTrainExecutor(t, optDesc, s)
	worst, worstStep, flips, forced := 0.0, 0, 0, 0
	for i := 0; i < g.Steps; i++ {
		g.feedBatch(t, s, batches, i)
		require.NoError(t, fwd.Run(), "step %d, forward", i+1)
		if e := checkLoss(t, fmt.Sprintf("%s step %d", opt, i+1), g.loss(t, s), want[i]); e >= worst {
			worst, worstStep = e, i+1
		}
		step := g.set(t, fmt.Sprintf("fwd_%s_%d", opt, i))
		flips += kinkFlips(t, fwdDesc, s, step)
		overwrite(t, s, step)
		require.NoError(t, bwd.Run(), "step %d, backward", i+1)
		forced += forceNoise(t, s, step)
		require.NoError(t, upd.Run(), "step %d, optimizer", i+1)
	}
	t.Logf("%s, %d steps: loss of every step: worst relative error %.3g (step %d); %d ReLU activations "+
		"crossed a kink differently; %d float32-noise gradient values taken from Paddle", opt, g.Steps, worst, worstStep, flips, forced)
	final := g.set(t, opt+"_final")
	compareSet(t, fmt.Sprintf("%s, after step %d: parameters and running statistics", opt, g.Steps), s, final, g.Persistables, true)
	t.Logf("%s: %.1fs", opt, time.Since(start).Seconds())

	// Free run, logged only.
	start = time.Now()
	free := g.trainScope(t, opt)
	e := newTrainExecutor(t, train, free)
	worst, worstStep = 0, 0
	for i := 0; i < g.Steps; i++ {
		g.feedBatch(t, free, batches, i)
		require.NoError(t, e.Run(), "free run, step %d", i+1)
		if e := relErr([]float32{g.loss(t, free)}, []float32{float32(want[i])}); e >= worst {
			worst, worstStep = e, i+1
		}
	}
	t.Logf("%s, free run (our activations and gradients throughout): loss worst relative error %.3g (step %d)",
		opt, worst, worstStep)
	compareSet(t, fmt.Sprintf("%s, free run, after step %d", opt, g.Steps), free, final, g.Persistables, false)
	t.Logf("%s, free run: %.1fs", opt, time.Since(start).Seconds())
	return s
}

// checkExport exports the trained program, runs the exported model on our Predictor and in
// real paddle.inference (scripts/oracle/train_export_check.py in the oracle venv), and compares.
func (g *trainGolden) checkExport(t *testing.T, train []byte, s *Scope, batches map[string]goldenValue) {
	t.Helper()
	prog, err := framework.ParseProgram(train)
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "model")
	fetches := []string{g.Prob, g.FeatureMap}
	require.NoError(t, SaveInferenceModel(prog, s, dir, []string{g.Image}, fetches))

	input := batches["image_0"]
	ours := runExported(t, dir, g.Image, fetches, input)

	py := filepath.Join(repoRoot(t), "build", "oracle-venv", "bin", "python")
	if _, err := os.Stat(py); err != nil {
		missingTrainOracle(t, "oracle venv absent (%s)", py)
	}
	tmp := t.TempDir()
	in := filepath.Join(tmp, "input.bin")
	buf := make([]byte, 4*len(input.f32))
	for i, v := range input.f32 {
		binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
	}
	require.NoError(t, os.WriteFile(in, buf, 0o644))
	shape := make([]string, len(input.shape))
	for i, d := range input.shape {
		shape[i] = fmt.Sprint(d)
	}
	cmd := exec.Command(py, filepath.Join(repoRoot(t), "scripts", "oracle", "train_export_check.py"),
		"--model", dir, "--input", in, "--shape", strings.Join(shape, ","), "--output", filepath.Join(tmp, "paddle"))
	cmd.Env = append(oracleEnv(), "OMP_NUM_THREADS=1")
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "paddle.inference on the exported model:\n%s", b)
	t.Logf("%s", strings.TrimSpace(string(b)))
	for i, name := range fetches {
		raw, err := os.ReadFile(filepath.Join(tmp, fmt.Sprintf("paddle_%d.bin", i)))
		require.NoError(t, err)
		require.Len(t, raw, 4*len(ours[i]), "paddle.inference output %s size", name)
		theirs := make([]float32, len(ours[i]))
		decodeFloat32(theirs, raw)
		e := relErr(ours[i], theirs)
		t.Logf("export: paddle.inference on our exported model vs our Predictor: %s (%d values): relative error %.3g",
			name, len(theirs), e)
		require.LessOrEqual(t, e, exportRelTol, "%s", name)
	}
}

// runExported runs the exported model on our Predictor and returns the fetches' values.
func runExported(t testing.TB, dir, feed string, fetches []string, input goldenValue) [][]float32 {
	t.Helper()
	cfg, err := NewConfig()
	require.NoError(t, err)
	require.NoError(t, cfg.SetModelDir(dir))
	require.NoError(t, cfg.SetCpuMathLibraryNumThreads(1))
	pred, err := NewPredictor(cfg)
	require.NoError(t, err)
	defer pred.Destroy()
	in, err := pred.GetInputHandle(feed)
	require.NoError(t, err)
	defer in.Destroy()
	shape := make([]int32, len(input.shape))
	for i, d := range input.shape {
		shape[i] = int32(d)
	}
	require.NoError(t, in.Reshape(shape))
	require.NoError(t, CopyFromCpu(in, input.f32))
	require.NoError(t, pred.Run())
	var outs [][]float32
	for _, fetch := range fetches {
		out, err := pred.GetOutputHandle(fetch)
		require.NoError(t, err)
		oshape, err := out.Shape()
		require.NoError(t, err)
		n := 1
		for _, d := range oshape {
			n *= int(d)
		}
		got := make([]float32, n)
		require.NoError(t, CopyToCpu(out, got))
		out.Destroy()
		outs = append(outs, got)
	}
	return outs
}

// oracleEnv is this process's environment for real Paddle in a child process, without the
// loader settings that point this test binary at our library (LD_LIBRARY_PATH, and LD_PRELOAD
// under scripts/asan.sh): Paddle must load its own oneDNN, not the one beside our library.
func oracleEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LD_LIBRARY_PATH=") && !strings.HasPrefix(kv, "LD_PRELOAD=") {
			env = append(env, kv)
		}
	}
	return env
}
