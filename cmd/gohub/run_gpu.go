package main

import (
	"github.com/pkg/errors"
	"github.com/urfave/cli/v2"

	"github.com/gohub/gohub/hub"
)

const gpuRunHelp = `On the GPU (every kind of module): --use_gpu runs the module's models on the GPU --gpu_id
(default 0) through gohub's CUDA backend, libpaddle_inference_cuda.so (make build-cuda),
which the Paddle library loads from its own directory, or from the path in
$GOHUB_CUDA_BACKEND. Without the backend, a CUDA library it needs or a usable GPU, the run
fails and says why; gohub version shows what the backend sees. --gpu_tf32 allows TF32
tensor-core math for float32 convolutions and matrix products: faster, with about 10 bits
of mantissa in the products, so results may differ slightly from the CPU's (they match it
to float32 rounding without it). Batches of one shape replay a CUDA graph recorded at the
second of them, saving the time to queue each kernel (GOHUB_CUDA_GRAPHS=0: op by op).`

func gpuRunFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "use_gpu", Usage: "run on the GPU --gpu_id with gohub's CUDA backend (fails, saying why, where there is none: see gohub version)"},
		&cli.IntFlag{Name: "gpu_id", Usage: "run on GPU number `N` (with --use_gpu)"},
		&cli.BoolFlag{Name: "gpu_tf32", Usage: "allow TF32 math on the GPU: faster, less precise float32 products (with --use_gpu)"},
	}
}

// gpuRunOptions are the flags that put a run on the GPU.
type gpuRunOptions struct {
	use, tf32, idSet bool
	id               int
}

// readGPUFlags reads the GPU flags from the context that holds them (see readRunFlags).
func readGPUFlags(c, late *cli.Context, given map[string]bool) gpuRunOptions {
	pick := func(name string) *cli.Context {
		if given[name] {
			return late
		}
		return c
	}
	return gpuRunOptions{
		use:   pick("use_gpu").Bool("use_gpu"),
		id:    pick("gpu_id").Int("gpu_id"),
		idSet: given["gpu_id"] || c.IsSet("gpu_id"),
		tf32:  pick("gpu_tf32").Bool("gpu_tf32"),
	}
}

// check refuses GPU settings that would be ignored: a GPU flag without --use_gpu.
func (o gpuRunOptions) check() error {
	switch {
	case o.id < 0:
		return errors.Errorf("--gpu_id %d: want a GPU number, 0 or more", o.id)
	case !o.use && (o.idSet || o.tf32):
		return errors.New("--gpu_id and --gpu_tf32 choose how to run on the GPU: give --use_gpu too")
	}
	return nil
}

func (o gpuRunOptions) loadOptions() []hub.Option {
	if !o.use {
		return nil
	}
	return []hub.Option{hub.WithGPU(o.id), hub.WithGPUTF32(o.tf32)}
}
