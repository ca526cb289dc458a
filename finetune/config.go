package finetune

import (
	"fmt"
	"runtime"
	"time"

	"github.com/pkg/errors"

	"github.com/gohub/gohub/paddle"
)

// RunConfig is PaddleHub's RunConfig: how long to train, in what batches, where to keep
// checkpoints and how often to log, evaluate and save. The zero value of a field means its
// default, given beside it.
type RunConfig struct {
	NumEpoch  int // 1
	BatchSize int // 32
	// UseGPU runs training, evaluation and prediction on GPU GPUID through gohub's CUDA
	// backend (ops it has no GPU kernel for run on the CPU); checkpoints are the same files
	// either way, so a run started on one resumes on the other.
	UseGPU bool
	GPUID  int // 0
	// TF32 allows TF32 tensor-core math for float32 convolutions and matrix products on the
	// GPU: faster, with about 10 bits of mantissa in the products.
	TF32 bool
	// AMP trains in bfloat16 mixed precision, Paddle's AMP at level O1: the convolutions and
	// the matrix products (conv2d, mul, matmul, matmul_v2: framework.Bfloat16Ops) and their
	// gradients read activations, weights and gradients as bfloat16 and add in float32; every
	// other op, the tensors between ops, the weights and the optimizer stay float32, so
	// checkpoints and the exported model are float32 as without it. Evaluation and prediction
	// run the same way. On the CPU: fast where oneDNN has bfloat16 kernels (AVX-512, twice the
	// float32 rate on the convolutions with the BF16 instructions), emulated and slower than
	// float32 elsewhere (paddle.Bfloat16Native says which); the matrix products are emulated
	// everywhere. On the GPU (UseGPU): cuDNN's bfloat16 tensor-core convolutions (not the
	// grouped or depthwise ones) and cuBLAS's bfloat16 products, which the CUDA backend's GPUs
	// (compute capability 8 and up: A100, H100) all have; the convolutions also round their
	// outputs to bfloat16.
	AMP bool
	// CUDAGraph records each training step on the GPU as a CUDA graph and launches the
	// recording for the steps after it, instead of queueing every op's kernels from the host
	// (Paddle's CUDA graph capture): the first step at a batch shape runs op by op, the second
	// is recorded. The steps compute what they compute without it. A program with something
	// that cannot be recorded (dropout) runs op by op. Needs UseGPU.
	CUDAGraph bool
	// CheckpointDir holds ckpt.meta, step_N/, best_model/ and the curves; "" means
	// ckpt_<YYYYmmddHHMMSS> in the working directory, as in PaddleHub.
	CheckpointDir string
	LogInterval   int // steps between training log lines: 10
	EvalInterval  int // steps between evaluations on dev: 100
	// SaveCkptInterval is the number of steps between checkpoints; 0 saves one at the end
	// of each epoch (PaddleHub saves only at the end of the run, so a crash loses it all).
	SaveCkptInterval int
	// KeepCheckpoints is how many step_N directories to keep, the newest; 0 keeps them all.
	KeepCheckpoints int
	// Strategy is the optimizer and its schedule; nil is DefaultStrategy (Adam, 1e-4).
	Strategy Strategy
	// Seed fixes the head's initial weights, the order of the examples and the
	// augmentation; 0 picks one from the clock (logged, so that a run can be repeated).
	Seed int64
	// EarlyStopping stops training after this many evaluations in a row without a better
	// main metric on dev; 0 never stops early.
	EarlyStopping int
	// Threads is the number of CPU threads of each training and evaluation step:
	// runtime.NumCPU() when 0.
	Threads int
	// Metrics are the classifier's metrics, the first the main one: ["acc"].
	Metrics []string
}

// withDefaults returns c with its zero fields set.
func (c RunConfig) withDefaults(now time.Time) RunConfig {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.NumEpoch, 1)
	def(&c.BatchSize, 32)
	def(&c.LogInterval, 10)
	def(&c.EvalInterval, 100)
	def(&c.Threads, runtime.NumCPU())
	if c.CheckpointDir == "" {
		c.CheckpointDir = "ckpt_" + now.Format("20060102150405")
	}
	if c.Strategy == nil {
		c.Strategy = DefaultStrategy{}
	}
	if c.Seed == 0 {
		c.Seed = now.UnixNano()
	}
	if len(c.Metrics) == 0 {
		c.Metrics = []string{MetricAcc}
	}
	return c
}

func (c RunConfig) validate() error {
	for _, f := range []struct {
		name string
		v    int
	}{{"num_epoch", c.NumEpoch}, {"batch_size", c.BatchSize}, {"log_interval", c.LogInterval},
		{"eval_interval", c.EvalInterval}, {"threads", c.Threads}} {
		if f.v < 1 {
			return errors.Errorf("run config: %s must be at least 1, got %d", f.name, f.v)
		}
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"save_ckpt_interval", c.SaveCkptInterval}, {"keep_checkpoints", c.KeepCheckpoints}, {"early_stopping", c.EarlyStopping}} {
		if f.v < 0 {
			return errors.Errorf("run config: %s must not be negative, got %d", f.name, f.v)
		}
	}
	if err := c.checkGPU(); err != nil {
		return err
	}
	return checkMetrics(c.Metrics)
}

// checkGPU refuses GPU settings without UseGPU, and UseGPU where the CUDA backend says it
// cannot run (the reason is its own: no backend, a CUDA library missing, no GPU).
func (c RunConfig) checkGPU() error {
	switch {
	case c.GPUID < 0:
		return errors.Errorf("run config: gpu_id %d: want a GPU number, 0 or more", c.GPUID)
	case !c.UseGPU && (c.GPUID != 0 || c.TF32 || c.CUDAGraph):
		return errors.New("run config: gpu_id, tf32 and cuda_graph choose how to train on the GPU: set use_gpu too")
	case !c.UseGPU:
		return nil
	}
	if reason, unavailable := paddle.GPUUnavailable(); unavailable {
		return errors.Errorf("run config: use_gpu: no usable GPU: %s", reason)
	}
	return nil
}

// String is PaddleHub's summary of a config.
func (c RunConfig) String() string {
	return fmt.Sprintf("config with num_epoch=%d, batch_size=%d, use_gpu=%v, checkpoint_dir=%s and %v",
		c.NumEpoch, c.BatchSize, c.UseGPU, c.CheckpointDir, c.Strategy)
}
