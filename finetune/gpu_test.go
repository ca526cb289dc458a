package finetune

import (
	"context"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/paddle"
)

// GPU settings are refused without UseGPU, and UseGPU where no GPU is usable, with the CUDA
// backend's reason, before anything trains.
func TestRunConfigGPUSettings(t *testing.T) {
	base := testConfig(t.TempDir()).withDefaults(timeNow())
	for _, tt := range []struct {
		name   string
		modify func(*RunConfig)
		want   string
	}{
		{"negative id", func(c *RunConfig) { c.UseGPU, c.GPUID = true, -1 }, "gpu_id -1"},
		{"tf32 alone", func(c *RunConfig) { c.TF32 = true }, "set use_gpu too"},
		{"id alone", func(c *RunConfig) { c.GPUID = 1 }, "set use_gpu too"},
		{"cuda graph alone", func(c *RunConfig) { c.CUDAGraph = true }, "set use_gpu too"},
	} {
		c := base
		tt.modify(&c)
		assert.ErrorContains(t, c.validate(), tt.want, tt.name)
	}
	c := base
	c.UseGPU = true
	if reason, unavailable := paddle.GPUUnavailable(); unavailable {
		assert.ErrorContains(t, c.validate(), reason)
	} else {
		assert.NoError(t, c.validate())
	}
}

// The ShuffleNetV2 cat/dog fine-tune on the GPU follows the CPU run with the same seed: the
// same steps, a loss that falls, test accuracy within a point; a run stopped on the GPU
// resumes from its checkpoint on the CPU; and with AMP (bfloat16 convolutions and products) its
// first step agrees with the CPU's AMP run to bfloat16's precision and its accuracy stays within
// an image of float32's; and recorded as CUDA graphs (CUDAGraph) its steps give the losses and the
// accuracy of the steps run op by op. Runs where a GPU is usable (scripts/device/check.sh runs
// it there).
func TestFinetuneOnGPUFollowsTheCPU(t *testing.T) {
	if reason, unavailable := paddle.GPUUnavailable(); unavailable {
		t.Skip("no usable GPU: " + reason)
	}
	data := catdogSubset(t, 32, 16, 16)
	reader := testReader(t)
	// stopAt > 0 cancels the run after that step.
	var stats RunStats
	runWith := func(dir string, gpu, amp, graph bool, stopAt int) record {
		cfg := testConfig(dir)
		cfg.UseGPU, cfg.AMP, cfg.CUDAGraph = gpu, amp, graph
		var r record
		task, err := NewImageClassifierTask(shufflenetContext(t, true), data, reader, cfg)
		require.NoError(t, err)
		task.Subscribe(r.on)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		task.Subscribe(func(e Event) {
			if s, ok := e.(StepEvent); ok && s.Step == stopAt {
				cancel()
			}
		})
		err = task.FinetuneAndEval(ctx)
		if stopAt > 0 {
			require.ErrorIs(t, err, context.Canceled)
		} else {
			require.NoError(t, err)
		}
		stats = task.Stats()
		require.NoError(t, task.Close())
		return r
	}
	runAMP := func(dir string, gpu, amp bool, stopAt int) record { return runWith(dir, gpu, amp, false, stopAt) }
	run := func(dir string, gpu bool, stopAt int) record { return runAMP(dir, gpu, false, stopAt) }
	cpu, gpu := run(t.TempDir(), false, 0), run(t.TempDir(), true, 0)
	require.Len(t, gpu.losses, len(cpu.losses))
	require.Less(t, gpu.losses[len(gpu.losses)-1], gpu.losses[0], "training on the GPU lowers the loss")
	acc := func(r record) float64 { return r.evals[len(r.evals)-1].Scores.Metrics[MetricAcc] }
	t.Logf("losses CPU %.4f, GPU %.4f; test accuracy CPU %.4f, GPU %.4f", cpu.losses, gpu.losses, acc(cpu), acc(gpu))
	assert.InDelta(t, cpu.losses[0], gpu.losses[0], 1e-3*math.Abs(cpu.losses[0]), "the first step's loss")
	// Every later step's too, more loosely (float32 rounding compounds over the steps): a step
	// that trained on another batch than the CPU's (an upload not waited for) is off by tenths.
	for i := range cpu.losses {
		assert.InDelta(t, cpu.losses[i], gpu.losses[i], 0.03, "step %d's loss", i+1)
	}
	assert.InDelta(t, acc(cpu), acc(gpu), 0.01, "test accuracy within a point of the CPU's")

	// Recorded: the same kernels on the same values (cuDNN's algorithms are searched again,
	// and the fastest filter gradients add in no fixed order, hence a tolerance).
	graph := runWith(t.TempDir(), true, false, true, 0)
	require.Len(t, graph.losses, len(gpu.losses))
	for i := range gpu.losses {
		assert.InDelta(t, gpu.losses[i], graph.losses[i], 1e-3*math.Abs(gpu.losses[i]), "step %d's loss, recorded", i+1)
	}
	assert.InDelta(t, acc(gpu), acc(graph), 0.07, "test accuracy recorded within one of 16 images of op by op")
	// The tests' emulated GPU backend records nothing; the CUDA backend (the host CUDA's too)
	// records each training step from the second on, once per batch shape.
	if !strings.HasSuffix(os.Getenv("GOHUB_CUDA_BACKEND"), "libgohub_emulated_gpu.so") {
		assert.Positive(t, stats.CUDAGraphs, "training steps recorded")
	}

	dir := t.TempDir()
	run(dir, true, 5)
	resumed := run(dir, false, 0)
	require.Len(t, resumed.resume, 1)
	assert.Equal(t, 5, resumed.resume[0].Step, "the CPU run resumes where the GPU run stopped")
	assert.InDelta(t, acc(cpu), acc(resumed), 0.01, "test accuracy within a point of the CPU's")

	// AMP: both places round the convolutions' and the products' inputs to bfloat16; the GPU
	// also keeps the activations between ops in bfloat16, as autocast does (the convolutions',
	// batch norms', residual adds' and poolings' outputs), so the two AMP runs agree to
	// bfloat16's precision at the first step and then go their own ways, as two float32 runs
	// would over a kink. What AMP must keep is the accuracy: within one of the 16 test images of
	// the float32 run on the same place.
	cpuAMP, gpuAMP := runAMP(t.TempDir(), false, true, 0), runAMP(t.TempDir(), true, true, 0)
	require.Len(t, gpuAMP.losses, len(cpuAMP.losses))
	t.Logf("AMP losses CPU %.4f, GPU %.4f; test accuracy CPU %.4f, GPU %.4f", cpuAMP.losses,
		gpuAMP.losses, acc(cpuAMP), acc(gpuAMP))
	assert.InDelta(t, cpuAMP.losses[0], gpuAMP.losses[0], 0.02*math.Abs(cpuAMP.losses[0]),
		"the first step's loss under AMP")
	require.Less(t, gpuAMP.losses[len(gpuAMP.losses)-1], gpuAMP.losses[0], "AMP on the GPU lowers the loss")
	assert.InDelta(t, acc(gpu), acc(gpuAMP), 0.07, "AMP test accuracy at most one of 16 images from float32's on the GPU")
	assert.InDelta(t, acc(cpu), acc(cpuAMP), 0.07, "AMP test accuracy at most one of 16 images from float32's on the CPU")
}
