package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pkg/errors"
	"github.com/urfave/cli/v2"

	"github.com/gohub/gohub/finetune"
	"github.com/gohub/gohub/hub"
	"github.com/gohub/gohub/paddle"
	"github.com/gohub/gohub/readers/dataset"
	"github.com/gohub/gohub/readers/imgbatch"
)

func finetuneCommand() *cli.Command {
	cmd := &cli.Command{
		Name:  "finetune",
		Usage: "fine-tune an image classification module on a labelled image folder",
		Description: `Trains a classifier head on a module's feature map (and, unless --trainable=false, the
module itself) with PaddleHub 1.x's Fine-tune API semantics, then evaluates and saves the
best model:

   gohub finetune --module shufflenet_v2_imagenet --dataset ../shared/data/catdog \
       --num_epoch 5 --batch_size 32 --learning_rate 1e-4 --strategy default_finetune \
       --checkpoint_dir ckpt

--module may also be a plain Paddle model directory (__model__ and one file per
parameter), taken as an ImageNet classifier.

--dataset is a folder in PaddleHub's image list format: train_list.txt, validate_list.txt,
test_list.txt ("path label" lines, paths relative to the folder) and label_list.txt (one
class name a line). The log lines are PaddleHub's ("step 20 / 129: loss=0.23456
acc=0.91234 [step/sec: 0.52]", "[dev dataset evaluation result] ..."); on a terminal a
progress line with the time left follows them.

Each picture is decoded and resized once: the resized pictures (before augmentation) stay
in memory, up to 1 GiB (about 7,100 pictures at 224×224), so that later epochs, evaluations
and predictions only normalise them; past that budget the rest are decoded every time.

--checkpoint_dir keeps ckpt.meta, step_N/ (parameters and optimizer state), best_model/
(the best model on dev: a Paddle inference model and a gohub module), visualization/
(VisualDL 2 logs with PaddleHub's tags: visualdl --logdir DIR/visualization) and curves.png
(loss and the main metric against the step, redrawn at every evaluation). Run
the same command again to resume an interrupted run where it stopped, in the middle of an
epoch too; a finished run trains no further.

Strategies (--strategy): default (Adam at --learning_rate), default_finetune (with L2
decay --regularization_coeff), l2sp (L2-SP towards the pretrained weights), adam_weight_decay
(warmup, linear decay, decoupled --weight_decay, gradient clipping at global norm 1) and
ulmfit (slanted triangular rates, discriminative rates, gradual unfreezing).

On the GPU: --use_gpu trains, evaluates and predicts on GPU --gpu_id (default 0) through
gohub's CUDA backend (make build-cuda; $GOHUB_CUDA_BACKEND names it elsewhere): ops it has no
GPU kernel for run on the CPU. Without the backend, a CUDA library it needs or a usable GPU,
the run fails before training and says why (gohub version shows what the backend sees).
Checkpoints are the same files on both, so a run started on one resumes on the other.
--gpu_tf32 allows TF32 tensor-core math for float32 convolutions and matrix products: faster,
with about 10 bits of mantissa in the products. Convolution gradients use cuDNN's fastest
algorithms, which may add in a different order from run to run;
GOHUB_CUDNN_DETERMINISTIC=1 picks deterministic ones (slower). --cuda_graph records a training
step as a CUDA graph and launches the recording for the steps after it instead of queueing each
op from the host: the same results, less host work per step (the first step at a batch size
runs op by op, the second is recorded; a model with dropout runs op by op throughout).

--amp trains in bfloat16 mixed precision (Paddle's AMP, level O1): convolutions (conv2d, not
the depthwise ones, which are bound by memory), matrix products (mul, matmul, matmul_v2) and
their gradients read bfloat16 and add in float32; everything else stays float32, and so do the
checkpoints and the exported model. On CPUs with AVX-512 oneDNN's bfloat16 kernels run the
convolutions (with the BF16 instructions about twice as fast as direct float32 ones, ResNet-50's
training step about 1.3 times as fast as float32 with its Winograd convolutions); elsewhere they
are emulated, slower than float32, and the run says so; the matrix products, a small share of
an image model's work, are emulated everywhere. With --use_gpu the convolutions (not the
grouped or depthwise ones) run on cuDNN's bfloat16 tensor cores, which the backend's GPUs
(compute capability 8 and up) all have, and which also round their outputs to bfloat16, and
the matrix products on cuBLAS's; not yet measured on a GPU.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "module", Usage: "the installed image classification module (or its `DIR`) to start from", Required: true},
			&cli.StringFlag{Name: "dataset", Usage: "the data set `DIR` (PaddleHub's image list format)", Required: true, TakesFile: true},
			&cli.IntFlag{Name: "num_epoch", Value: 1, Usage: "train for `N` passes over the training set"},
			&cli.IntFlag{Name: "batch_size", Value: 32, Usage: "`N` images per training step"},
			&cli.Float64Flag{Name: "learning_rate", Value: finetune.DefaultLearningRate, Usage: "the base learning `RATE`"},
			&cli.StringFlag{Name: "strategy", Value: "default", Usage: "`NAME`: default, default_finetune, l2sp, adam_weight_decay or ulmfit"},
			&cli.StringFlag{Name: "optimizer", Value: "adam", Usage: "`NAME`: adam, sgd or momentum (with --momentum)"},
			&cli.Float64Flag{Name: "momentum", Value: 0.9, Usage: "the momentum optimizer's `MU`"},
			&cli.Float64Flag{Name: "regularization_coeff", Value: 1e-3, Usage: "L2 / L2-SP `COEFF` (default_finetune, l2sp)"},
			&cli.Float64Flag{Name: "warmup_proportion", Value: 0.1, Usage: "`P` of the steps warm up (adam_weight_decay)"},
			&cli.Float64Flag{Name: "weight_decay", Value: 0.01, Usage: "decoupled weight decay `COEFF` (adam_weight_decay)"},
			&cli.StringFlag{Name: "checkpoint_dir", Usage: "keep checkpoints and the best model in `DIR` (default ckpt_<time>)", TakesFile: true},
			&cli.IntFlag{Name: "log_interval", Value: 10, Usage: "log every `N` steps"},
			&cli.IntFlag{Name: "eval_interval", Value: 100, Usage: "evaluate on the dev set every `N` steps"},
			&cli.IntFlag{Name: "save_ckpt_interval", Usage: "save a checkpoint every `N` steps (0: at the end of each epoch)"},
			&cli.IntFlag{Name: "keep_checkpoints", Value: 3, Usage: "keep the newest `N` step_N directories (0: all)"},
			&cli.IntFlag{Name: "early_stopping", Usage: "stop after `N` evaluations without a better dev score (0: never)"},
			&cli.Int64Flag{Name: "seed", Usage: "`SEED` of the head's weights, the example order and the augmentation (0: from the clock)"},
			&cli.BoolFlag{Name: "trainable", Value: true, Usage: "train the module too (--trainable=false: only the head)"},
			&cli.BoolFlag{Name: "init_missing_params", Usage: "initialise parameters the module lacks instead of failing (the model is then not entirely pretrained)"},
			&cli.StringFlag{Name: "hidden_units", Usage: "fc+relu layers `N,N,...` before the classifier"},
			&cli.StringFlag{Name: "metrics", Value: "acc", Usage: "`LIST` of acc, f1, precision, recall, matthews; the first picks the best model"},
			&cli.BoolFlag{Name: "amp", Usage: "bfloat16 mixed precision: convolutions and matrix products in bfloat16, the rest in float32"},
			&cli.BoolFlag{Name: "cuda_graph", Usage: "record the training step as a CUDA graph and launch it (with --use_gpu)"},
			&cli.BoolFlag{Name: "augment", Usage: "augment training images (random rotation, brightness, contrast, saturation or flip)"},
			&cli.IntFlag{Name: "image_size", Value: 224, Usage: "resize images to `N`×N"},
			&cli.BoolFlag{Name: "module_preprocess", Usage: "prepare images with the module's own recipe (e.g. resize the short side, centre crop) instead of PaddleHub's reader, which squeezes them to --image_size"},
			&cli.IntFlag{Name: "threads", Usage: "`N` CPU threads per step (0: all cores)"},
			&cli.IntFlag{Name: "workers", Usage: "`N` goroutines decoding images (0: all cores)"},
			&cli.IntFlag{Name: "picture_cache_mb", Value: imgbatch.DefaultCacheBytes >> 20,
				Usage: "keep up to `N` MiB of decoded, resized pictures in memory, so that later epochs and evaluations do not decode them again (0: none)"},
		},
		Action: finetuneAction,
	}
	cmd.Flags = append(cmd.Flags, gpuRunFlags()...)
	return cmd
}

func finetuneAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return usageErrorf("finetune: unexpected argument %q (flags only; see gohub finetune --help)", c.Args().First())
	}
	strategy, err := strategyFlag(c)
	if err != nil {
		return usageErrorf("finetune: %v", err)
	}
	hidden, err := intList(c.String("hidden_units"))
	if err != nil {
		return usageErrorf("finetune: --hidden_units: %v", err)
	}
	gpu := readGPUFlags(c, c, nil)
	if err := gpu.check(); err != nil {
		return usageErrorf("finetune: %v", err)
	}
	if c.Bool("cuda_graph") && !gpu.use {
		return usageErrorf("finetune: --cuda_graph records the training steps on the GPU: give --use_gpu too")
	}
	cfg := finetune.RunConfig{
		NumEpoch: c.Int("num_epoch"), BatchSize: c.Int("batch_size"),
		UseGPU: gpu.use, GPUID: gpu.id, TF32: gpu.tf32, AMP: c.Bool("amp"), CUDAGraph: c.Bool("cuda_graph"),
		CheckpointDir: c.String("checkpoint_dir"), LogInterval: c.Int("log_interval"),
		EvalInterval: c.Int("eval_interval"), SaveCkptInterval: c.Int("save_ckpt_interval"),
		KeepCheckpoints: c.Int("keep_checkpoints"), EarlyStopping: c.Int("early_stopping"),
		Seed: c.Int64("seed"), Threads: c.Int("threads"), Strategy: strategy,
		Metrics: strings.Split(c.String("metrics"), ","),
	}
	var copts []hub.ContextOption
	if c.Bool("init_missing_params") {
		copts = append(copts, hub.AllowMissingParams())
	}
	module, err := hub.LoadContext(c.String("module"), c.Bool("trainable"), copts...)
	if err != nil {
		return loadFailed(err)
	}
	data, err := dataset.LoadCV(c.String("dataset"), dataset.CVFiles{})
	if err != nil {
		return err
	}
	reader, err := finetune.NewReader(module, finetune.ReaderOptions{Size: c.Int("image_size"), Workers: c.Int("workers"),
		ModulePreprocess: c.Bool("module_preprocess"), CacheBytes: pictureCacheBytes(c.Int("picture_cache_mb"))})
	if err != nil {
		return err
	}
	task, err := finetune.NewImageClassifierTask(module, data, reader, cfg,
		finetune.WithHiddenUnits(hidden...), finetune.WithAugmentation(c.Bool("augment")))
	if err != nil {
		return err
	}
	defer task.Close()
	cfg = task.Config()
	stderr := c.App.ErrWriter
	fmt.Fprintf(stderr, "Fine-tuning %s on %s: %d train, %d dev, %d test images, %d classes\n",
		module.Module, c.String("dataset"), len(data.Train), len(data.Dev), len(data.Test), len(data.Labels))
	fmt.Fprintf(stderr, "Checkpoint dir: %s (seed %d)\n%v\n", cfg.CheckpointDir, cfg.Seed, cfg)
	if cfg.AMP {
		how := "the convolutions on oneDNN's bfloat16 kernels, the products emulated"
		switch {
		case cfg.UseGPU:
			how = "cuDNN's and cuBLAS's bfloat16 tensor cores"
		case !paddle.Bfloat16Native():
			how = "emulated: this CPU has no AVX-512, so it is slower than float32"
		}
		fmt.Fprintf(stderr, "Mixed precision: convolutions and matrix products in bfloat16 (%s)\n", how)
	}
	// Curves first: a resumed run's history is reloaded when the task reports the resume.
	curveLog, curves, err := finetune.CurveLogger(cfg.CheckpointDir, cfg.Metrics)
	if err != nil {
		return err
	}
	task.Subscribe(curveLog)
	task.Subscribe(finetuneReporter(c))
	runErr := task.FinetuneAndEval(c.Context)
	if err := curves.Close(); err != nil {
		fmt.Fprintf(stderr, "warning: %v\n", err)
	}
	if runErr != nil {
		return runErr
	}
	st := task.Stats()
	if st.Steps > 0 {
		fmt.Fprintf(stderr, "Trained %d steps in %s (%.1f images/s); waited for data %.1f%% of the time\n",
			st.Steps, st.Train.Round(1e9), float64(st.Steps*cfg.BatchSize)/st.Train.Seconds(),
			100*st.DataWait.Seconds()/st.Train.Seconds())
	}
	if cfg.CUDAGraph {
		fmt.Fprintf(stderr, "CUDA graphs recorded and launched: %d (0: the steps ran op by op)\n", st.CUDAGraphs)
	}
	best := filepath.Join(cfg.CheckpointDir, "best_model")
	fmt.Fprintf(c.App.Writer, "Best model: %s\nInstall and run it:\n   gohub install %s --name %s\n   gohub run %s --input_path photo.jpg\n",
		best, best, suggestName(c.String("dataset")), suggestName(c.String("dataset")))
	return nil
}

// strategyFlag builds the strategy the flags name.
func strategyFlag(c *cli.Context) (finetune.Strategy, error) {
	lr, opt := c.Float64("learning_rate"), c.String("optimizer")
	var attrs map[string]float64
	if strings.EqualFold(opt, "momentum") {
		attrs = map[string]float64{"momentum": c.Float64("momentum")}
	}
	coeff := c.Float64("regularization_coeff")
	switch c.String("strategy") {
	case "default":
		return finetune.DefaultStrategy{LearningRate: lr, Optimizer: opt, OptimizerAttrs: attrs}, nil
	case "default_finetune":
		return finetune.DefaultFinetuneStrategy{LearningRate: lr, Optimizer: opt, OptimizerAttrs: attrs, RegularizationCoeff: coeff}, nil
	case "l2sp":
		return finetune.L2SPFinetuneStrategy{LearningRate: lr, Optimizer: opt, OptimizerAttrs: attrs, RegularizationCoeff: coeff}, nil
	case "adam_weight_decay":
		s := finetune.NewAdamWeightDecayStrategy()
		s.LearningRate, s.WarmupProportion, s.WeightDecay = lr, c.Float64("warmup_proportion"), c.Float64("weight_decay")
		return s, nil
	case "ulmfit":
		s := finetune.NewULMFiTStrategy()
		s.LearningRate, s.Optimizer = lr, opt
		return s, nil
	}
	return nil, errors.Errorf("--strategy %q: want default, default_finetune, l2sp, adam_weight_decay or ulmfit", c.String("strategy"))
}

func intList(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, errors.Errorf("%q is not a positive integer", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// suggestName is a module name for the model trained on a data set: its folder's name.
func suggestName(datasetDir string) string {
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' {
			return r
		}
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return '_'
	}, filepath.Base(filepath.Clean(datasetDir)))
	if name == "" || name == "_" || name == "." {
		return "finetuned"
	}
	return name
}

// pictureCacheBytes is --picture_cache_mb as imgbatch.Config.CacheBytes, where 0 would mean the
// default rather than none.
func pictureCacheBytes(mb int) int64 {
	if mb <= 0 {
		return imgbatch.NoCache
	}
	return int64(mb) << 20
}
