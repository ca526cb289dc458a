// Command trainbench measures the speed of a full training step (forward, backward, momentum
// update) through gohub's training API (paddle.Program, Scope, Executor: Go → C API → native
// library), by the same method as scripts/bench/paddle_train.py (real Paddle) and
// scripts/bench/torch_train.py (PyTorch), so that the three are comparable:
//
//   - the program is what gohub's fine-tuning builds for an image module: the module's
//     inference program cut at its feature map in training mode (hub.LoadContext), PaddleHub's
//     classifier head (fc to -classes with softmax, cross_entropy2, mean, top-1 accuracy), the
//     backward part appended by the library (Program.AppendBackward), and one momentum op per
//     parameter (mu 0.9, learning rate 1e-3, no weight decay);
//   - pretrained parameters from the module's files; the ones it lacks (resnet50_imagenet_partial's
//     stage 5) He-normal; the head's weight truncated-normal (std 0.02), its bias 0;
//   - each step copies the batch into the scope (images: the fixed pseudo-random values of
//     imgbench; labels: i mod classes), runs the program, and reads the loss back;
//   - -warmup untimed steps, then timed steps until at least -steps steps and -seconds
//     seconds have passed.
//
// It prints one JSON line: images per second and the process's peak resident memory (VmHWM).
//
// With -loop DATA it then measures, in the same process, the fine-tune loop itself
// (finetune.ImageClassifierTask.Finetune, what `gohub finetune` runs) on the data set folder
// DATA with the same model, batch and threads, the momentum strategy of the raw step and the
// pictures decoded beforehand (see measureLoop), and prints a second JSON line with its
// images per second and their ratio to the raw step's. Under that strategy the loop builds
// the raw step's program: the same head, backward part and momentum ops (in parameter-name
// order), and it fetches the probabilities besides the loss.
//
// With -gpu both run on GPU 0 through the CUDA backend (-tf32 allows TF32 math): the raw step
// sets its batch, runs and reads the loss one after the other (Executor.Run), while the loop
// launches each step and feeds the next batch while the GPU computes (Executor.Launch), so
// the ratio shows what that overlap gains. With -cuda-graph both record their steps as CUDA
// graphs (Executor.RecordRuns, gohub finetune --cuda_graph) and report how many recordings
// they launched.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pkg/errors"
	"google.golang.org/protobuf/proto"

	"github.com/gohub/gohub/finetune"
	"github.com/gohub/gohub/hub"
	"github.com/gohub/gohub/paddle"
	"github.com/gohub/gohub/paddle/framework"
)

type result struct {
	Impl         string  `json:"impl"`
	Library      string  `json:"library"`
	Model        string  `json:"model"`
	Device       string  `json:"device"`    // cpu, or gpu (-gpu)
	Precision    string  `json:"precision"` // fp32, tf32 (-tf32) or bf16 (-bf16)
	Batch        int     `json:"batch"`
	Threads      int     `json:"threads"`
	Side         int     `json:"side"`
	Steps        int     `json:"steps"`
	Seconds      float64 `json:"seconds"`
	ImagesPerSec float64 `json:"images_per_sec"`
	MsPerStep    float64 `json:"ms_per_step"`
	MedianMs     float64 `json:"median_ms_per_step"` // less moved by other jobs' bursts than the mean
	FirstLoss    float64 `json:"first_loss"`
	LastLoss     float64 `json:"last_loss"`
	PeakRSSMiB   float64 `json:"peak_rss_mib"`
	Params       int     `json:"params"`
	Ops          int     `json:"ops"`
	CUDAGraph    bool    `json:"cuda_graph,omitempty"`  // -cuda-graph
	CUDAGraphs   int     `json:"cuda_graphs,omitempty"` // recordings made and launched
}

// Variable names of the head and the update part: finetune's (head.go, optimize.go).
const (
	labelVar = "label"
	probsVar = "cls_out.tmp_2"
	lossVar  = "cls_loss"
	accVar   = "cls_acc"
	lrVar    = "learning_rate_0"
)

const (
	learningRate = 1e-3
	momentum     = 0.9
)

func main() {
	model := flag.String("model", "", "image classifier directory (__model__ and one file per parameter)")
	batch := flag.Int("batch", 8, "images per step")
	threads := flag.Int("threads", 1, "CPU threads")
	side := flag.Int("side", 224, "image height and width")
	classes := flag.Int("classes", 2, "classes of the head")
	steps := flag.Int("steps", 3, "timed steps, at least")
	seconds := flag.Float64("seconds", 0, "timed duration, at least")
	warmup := flag.Int("warmup", 2, "untimed steps first")
	loop := flag.String("loop", "", "then measure the fine-tune loop on this data set `DIR` (at least 1 -warmup step)")
	loopExamples := flag.Int("loop-examples", 0, "-loop trains on the first `N` training examples (0: all)")
	loopRepeat := flag.Int("loop-repeat", 1, "-loop's training examples `N` times over: an epoch of enough batches from a few pictures")
	bf16 := flag.Bool("bf16", false, "convolutions and their gradients in bfloat16 (gohub finetune --amp)")
	gpu := flag.Bool("gpu", false, "run on GPU 0 through the CUDA backend (gohub finetune --use_gpu)")
	tf32 := flag.Bool("tf32", false, "with -gpu: TF32 math for float32 convolutions and matrix products")
	graph := flag.Bool("cuda-graph", false, "with -gpu: record the steps as CUDA graphs (gohub finetune --cuda_graph)")
	flag.Parse()
	if *tf32 && (!*gpu || *bf16) {
		fail(errors.New("-tf32 needs -gpu, and not -bf16"))
	}
	if *graph && !*gpu {
		fail(errors.New("-cuda-graph needs -gpu"))
	}
	on := place{gpu: *gpu, tf32: *tf32, graph: *graph}
	if *loop != "" && *warmup < 1 {
		fail(errors.New("-loop needs at least one -warmup step"))
	}
	if *bf16 && *loop != "" {
		fail(errors.New("-bf16 measures the raw step only; -loop is float32"))
	}
	res, err := run(*model, *batch, *threads, *side, *classes, *steps, *seconds, *warmup, *bf16, on)
	if err != nil {
		fail(err)
	}
	printJSON(res)
	if *loop == "" {
		return
	}
	if *loopRepeat < 1 {
		fail(errors.New("-loop-repeat must be at least 1"))
	}
	lr, err := measureLoop(loopSpec{model: *model, name: res.Model, data: *loop, examples: *loopExamples, repeat: *loopRepeat,
		batch: *batch, threads: *threads, steps: *steps, warmup: *warmup, seconds: *seconds, on: on,
		rawImagesPerSecond: res.ImagesPerSec, rawMedianMs: res.MedianMs})
	if err != nil {
		fail(errors.WithMessage(err, "fine-tune loop"))
	}
	printJSON(lr)
}

// place is where the steps run: the CPU, or GPU 0 (TF32 allowed or not, steps recorded as
// CUDA graphs or not).
type place struct{ gpu, tf32, graph bool }

func (p place) device() string {
	if p.gpu {
		return "gpu"
	}
	return "cpu"
}

func precision(bf16 bool, on place) string {
	switch {
	case bf16:
		return "bf16"
	case on.tf32:
		return "tf32"
	}
	return "fp32"
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "trainbench:", err)
	os.Exit(2)
}

func printJSON(v any) {
	if err := json.NewEncoder(os.Stdout).Encode(v); err != nil {
		fail(err)
	}
}

func run(dir string, batch, threads, side, classes, steps int, seconds float64, warmup int, bf16 bool, on place) (result, error) {
	// One OS thread for every call: the library's OpenMP team belongs to the calling thread.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if dir == "" || batch < 1 || threads < 1 || side < 1 || classes < 2 || steps < 1 || warmup < 0 {
		return result{}, errors.New("-model is required; -batch, -threads, -side, -steps must be at least 1, -classes at least 2")
	}
	ctx, err := hub.LoadContext(dir, true, hub.AllowMissingParams())
	if err != nil {
		return result{}, err
	}
	image, feature := ctx.Inputs["image"], ctx.Outputs["feature_map"]
	fwd := ctx.Program.Clone()
	headParams, err := appendHead(fwd, feature, classes)
	if err != nil {
		return result{}, errors.WithMessage(err, "classifier head")
	}
	if bf16 {
		framework.MarkBfloat16(fwd)
	}
	train, grads, err := trainingProgram(fwd)
	if err != nil {
		return result{}, err
	}
	b, err := train.Bytes()
	if err != nil {
		return result{}, err
	}
	prog, err := paddle.NewProgram(b)
	if err != nil {
		return result{}, err
	}
	defer prog.Destroy()

	scope, err := paddle.NewScope()
	if err != nil {
		return result{}, err
	}
	defer scope.Destroy()
	rng := rand.New(rand.NewSource(1))
	if err := finetune.LoadPretrained(scope, ctx, rng); err != nil {
		return result{}, err
	}
	for _, p := range headParams {
		if err := scope.SetFloat32(p.name, p.dims, p.init(rng, count(p.dims))); err != nil {
			return result{}, err
		}
	}
	for _, g := range grads {
		dims := dimsOf(train, g)
		if err := scope.SetFloat32(g+"_velocity_0", dims, make([]float32, count(dims))); err != nil {
			return result{}, err
		}
	}
	if err := scope.SetFloat32(lrVar, []int64{1}, []float32{learningRate}); err != nil {
		return result{}, err
	}
	var exec *paddle.Executor
	if on.gpu {
		exec, err = paddle.NewExecutorOnGPU(prog, scope, threads, paddle.GPU{TF32: on.tf32})
	} else {
		exec, err = paddle.NewExecutor(prog, scope, threads)
	}
	if err != nil {
		return result{}, err
	}
	defer exec.Destroy()
	if err := exec.FreeIntermediates(true); err != nil {
		return result{}, err
	}
	if err := exec.RecordRuns(on.graph); err != nil {
		return result{}, err
	}

	imgDims := []int64{int64(batch), 3, int64(side), int64(side)}
	images := fixedInput(count(imgDims))
	labels := make([]int64, batch)
	for i := range labels {
		labels[i] = int64(i % classes)
	}
	step := func() (float64, error) {
		if err := scope.SetFloat32(image, imgDims, images); err != nil {
			return 0, err
		}
		if err := scope.SetInt64(labelVar, []int64{int64(batch), 1}, labels); err != nil {
			return 0, err
		}
		if err := exec.Run(); err != nil {
			return 0, err
		}
		loss, err := scope.Float32(lossVar)
		if err != nil {
			return 0, err
		}
		if l := float64(loss[0]); math.IsNaN(l) || math.IsInf(l, 0) {
			return l, errors.Errorf("the loss is %v", l)
		}
		return float64(loss[0]), nil
	}
	first := math.NaN()
	for i := 0; i < warmup; i++ {
		l, err := step()
		if err != nil {
			return result{}, errors.WithMessagef(err, "warm-up step %d", i+1)
		}
		if i == 0 {
			first = l
		}
	}
	limit := time.Duration(seconds * float64(time.Second))
	start := time.Now()
	done, last := 0, 0.0
	var times []time.Duration
	for done < steps || time.Since(start) < limit {
		t0 := time.Now()
		if last, err = step(); err != nil {
			return result{}, errors.WithMessagef(err, "step %d", done+1)
		}
		times = append(times, time.Since(t0))
		if math.IsNaN(first) {
			first = last
		}
		done++
	}
	elapsed := time.Since(start).Seconds()
	peak, err := peakRSSMiB()
	if err != nil {
		return result{}, err
	}
	recordings, err := exec.Recordings()
	if err != nil {
		return result{}, err
	}
	return result{
		CUDAGraph: on.graph, CUDAGraphs: recordings,
		Impl: "gohub", Library: firstLine(paddle.Version()), Model: filepath.Base(filepath.Clean(dir)), Device: on.device(), Precision: precision(bf16, on),
		Batch: batch, Threads: threads, Side: side, Steps: done, Seconds: round3(elapsed),
		ImagesPerSec: round3(float64(done*batch) / elapsed), MsPerStep: round3(1000 * elapsed / float64(done)),
		MedianMs: medianMs(times), FirstLoss: first, LastLoss: last, PeakRSSMiB: round3(peak),
		Params: len(grads), Ops: len(train.Ops()),
	}, nil
}

// trainingProgram appends the backward part (the library's AppendBackward) and a momentum op
// for every parameter that got a gradient; it returns the program and those parameters.
func trainingProgram(fwd *framework.Program) (*framework.Program, []string, error) {
	desc, err := fwd.Bytes()
	if err != nil {
		return nil, nil, err
	}
	withGrads, err := paddle.NewProgram(desc)
	if err != nil {
		return nil, nil, err
	}
	defer withGrads.Destroy()
	if err := withGrads.AppendBackward(lossVar); err != nil {
		return nil, nil, errors.WithMessage(err, "append backward")
	}
	b, err := withGrads.Bytes()
	if err != nil {
		return nil, nil, err
	}
	train, err := framework.ParseProgram(b)
	if err != nil {
		return nil, nil, err
	}
	var params []string
	for _, p := range train.Parameters() {
		if train.Var(p+"@GRAD") != nil {
			params = append(params, p)
		}
	}
	if len(params) == 0 {
		return nil, nil, errors.New("no parameter has a gradient")
	}
	if _, err := train.AddVar(lrVar, framework.VarType_FP32, []int64{1}, true); err != nil {
		return nil, nil, err
	}
	for _, p := range params {
		v := p + "_velocity_0"
		if _, err := train.AddVar(v, framework.VarType_FP32, dimsOf(train, p), true); err != nil {
			return nil, nil, err
		}
		if _, err := train.AddOp("momentum",
			framework.Slots{"Param": {p}, "Grad": {p + "@GRAD"}, "Velocity": {v}, "LearningRate": {lrVar}},
			framework.Slots{"ParamOut": {p}, "VelocityOut": {v}},
			framework.FloatAttr("mu", momentum), framework.BoolAttr("use_nesterov", false)); err != nil {
			return nil, nil, err
		}
	}
	// The loss is read after each step; everything else is freed after its last use, as the
	// fine-tune loop runs it.
	if err := train.AddFetch(lossVar); err != nil {
		return nil, nil, err
	}
	return train, params, nil
}

// headParam is a parameter the head creates and how it starts.
type headParam struct {
	name string
	dims []int64
	init func(*rand.Rand, int) []float32
}

// appendHead appends PaddleHub's classifier head on feature, as finetune does: fc (mul +
// elementwise_add) to the classes, softmax, cross_entropy2 against the label, mean, and top-1
// accuracy.
func appendHead(p *framework.Program, feature string, classes int) ([]headParam, error) {
	fv := p.Var(feature)
	if fv == nil {
		return nil, errors.Errorf("feature map %q is not a variable", feature)
	}
	width := int64(1)
	for _, d := range dimsOf(p, feature)[1:] {
		if d <= 0 {
			return nil, errors.Errorf("feature map %s has an unknown extent", feature)
		}
		width *= d
	}
	c := int64(classes)
	var err error
	decl := func(name string, dt framework.VarType_Type, dims []int64, persistable bool) *framework.VarDesc {
		if err != nil {
			return &framework.VarDesc{}
		}
		var v *framework.VarDesc
		v, err = p.AddVar(name, dt, dims, persistable)
		if err != nil {
			return &framework.VarDesc{}
		}
		return v
	}
	op := func(typ string, in, out framework.Slots, attrs ...*framework.OpDesc_Attr) {
		if err == nil {
			_, err = p.AddOp(typ, in, out, attrs...)
		}
	}
	f32, i64, i32 := framework.VarType_FP32, framework.VarType_INT64, framework.VarType_INT32
	decl(labelVar, i64, []int64{-1, 1}, false).StopGradient = proto.Bool(true)
	decl("cls_out_w", f32, []int64{width, c}, true)
	decl("cls_out_b", f32, []int64{c}, true)
	decl("cls_out.tmp_0", f32, []int64{-1, c}, false)
	decl("cls_out.tmp_1", f32, []int64{-1, c}, false)
	op("mul", framework.Slots{"X": {feature}, "Y": {"cls_out_w"}}, framework.Slots{"Out": {"cls_out.tmp_0"}},
		framework.IntAttr("x_num_col_dims", 1), framework.IntAttr("y_num_col_dims", 1))
	op("elementwise_add", framework.Slots{"X": {"cls_out.tmp_0"}, "Y": {"cls_out_b"}},
		framework.Slots{"Out": {"cls_out.tmp_1"}}, framework.IntAttr("axis", 1))
	decl(probsVar, f32, []int64{-1, c}, false)
	op("softmax", framework.Slots{"X": {"cls_out.tmp_1"}}, framework.Slots{"Out": {probsVar}},
		framework.IntAttr("axis", -1))
	decl("cls_ce.tmp_0", f32, []int64{-1, 1}, false)
	decl("cls_ce.xshape", f32, []int64{0, -1, c}, false)
	decl("cls_ce.match_x", f32, []int64{-1, 1}, false)
	op("cross_entropy2", framework.Slots{"X": {probsVar}, "Label": {labelVar}},
		framework.Slots{"Y": {"cls_ce.tmp_0"}, "XShape": {"cls_ce.xshape"}, "MatchX": {"cls_ce.match_x"}},
		framework.IntAttr("ignore_index", -100))
	decl(lossVar, f32, nil, false)
	op("mean", framework.Slots{"X": {"cls_ce.tmp_0"}}, framework.Slots{"Out": {lossVar}})
	decl("cls_topk.tmp_0", f32, []int64{-1, 1}, false)
	decl("cls_topk.tmp_1", i64, []int64{-1, 1}, false)
	op("top_k", framework.Slots{"X": {probsVar}},
		framework.Slots{"Out": {"cls_topk.tmp_0"}, "Indices": {"cls_topk.tmp_1"}}, framework.IntAttr("k", 1))
	decl(accVar, f32, []int64{1}, false)
	decl("cls_acc.correct", i32, []int64{1}, false)
	decl("cls_acc.total", i32, []int64{1}, false)
	op("accuracy", framework.Slots{"Out": {"cls_topk.tmp_0"}, "Indices": {"cls_topk.tmp_1"}, "Label": {labelVar}},
		framework.Slots{"Accuracy": {accVar}, "Correct": {"cls_acc.correct"}, "Total": {"cls_acc.total"}})
	return []headParam{
		{"cls_out_w", []int64{width, c}, truncatedNormal(0.02)},
		{"cls_out_b", []int64{c}, func(_ *rand.Rand, n int) []float32 { return make([]float32, n) }},
	}, err
}

// truncatedNormal is Paddle's TruncatedNormal(0, std): draws beyond two deviations redrawn.
func truncatedNormal(std float64) func(*rand.Rand, int) []float32 {
	return func(rng *rand.Rand, n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			x := rng.NormFloat64()
			for math.Abs(x) > 2 {
				x = rng.NormFloat64()
			}
			v[i] = float32(x * std)
		}
		return v
	}
}

// fixedInput is imgbench's FixedInput: n floats in [-1, 1) from Knuth's multiplicative hash of
// the index, the values paddle_train.py and torch_train.py feed too.
func fixedInput(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		h := uint32(uint64(i) * 2654435761)
		v[i] = float32(h)/4294967296.0*2 - 1
	}
	return v
}

func dimsOf(p *framework.Program, name string) []int64 {
	return p.Var(name).GetType().GetLodTensor().GetTensor().GetDims()
}

func count(dims []int64) int {
	n := 1
	for _, d := range dims {
		n *= int(d)
	}
	return n
}

// peakRSSMiB is the process's peak resident set (VmHWM in /proc/self/status), in MiB.
func peakRSSMiB() (float64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err != nil {
				return 0, errors.Wrapf(err, "VmHWM %q", rest)
			}
			return kb / 1024, nil
		}
	}
	return 0, errors.New("no VmHWM in /proc/self/status")
}

// medianMs is the median of durations, in milliseconds.
func medianMs(d []time.Duration) float64 {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + m) / 2
	}
	return round3(float64(m) / float64(time.Millisecond))
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
