// Command imgbench measures image-model throughput through gohub's Go API (Go → C API → native
// library), by the same method as scripts/bench/paddle_image.py, so that the two are comparable:
//
//   - the model is a Paddle inference model directory: model.pdmodel + model.pdiparams, or
//     __model__ with one file per parameter;
//   - IR optimisation on, oneDNN on, -threads CPU math threads;
//   - every float input gets its declared shape with the batch dimension (-1) set to -batch and
//     the same fixed pseudo-random values as the Python side (FixedInput);
//   - each timed batch is reshape + copy in + run + copy out of every output;
//   - -warmup untimed batches first, then batches until -seconds have passed.
//
// It prints one JSON line.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/gohub/gohub/paddle"
)

type result struct {
	Impl         string  `json:"impl"`
	Library      string  `json:"library"`
	Model        string  `json:"model"`
	Precision    string  `json:"precision"` // fp32, or bf16 (-bf16)
	Batch        int     `json:"batch"`
	Threads      int     `json:"threads"`
	Batches      int     `json:"batches"`
	Seconds      float64 `json:"seconds"`
	ImagesPerSec float64 `json:"images_per_sec"`
	MsPerBatch   float64 `json:"ms_per_batch"`
}

func main() {
	model := flag.String("model", "", "model directory (model.pdmodel + model.pdiparams, or __model__)")
	batch := flag.Int("batch", 1, "images per run")
	threads := flag.Int("threads", 1, "CPU math threads")
	seconds := flag.Float64("seconds", 10, "timed duration")
	warmup := flag.Int("warmup", 5, "untimed batches first")
	bf16 := flag.String("bf16", "", "bfloat16 convolutions (EnableMkldnnBfloat16): \"default\" for its choice (conv2d), or the op types, comma-separated (SetBfloat16Op)")
	flag.Parse()
	if err := run(*model, *batch, *threads, *seconds, *warmup, *bf16); err != nil {
		fmt.Fprintln(os.Stderr, "imgbench:", err)
		os.Exit(2)
	}
}

// FixedInput fills n floats in [-1, 1) from Knuth's multiplicative hash of the index: cheap,
// identical in Go and numpy (paddle_image.py), and not so regular that a detector's NMS sees an
// unusual number of boxes.
func FixedInput(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		h := uint32(uint64(i) * 2654435761)
		v[i] = float32(h)/4294967296.0*2 - 1
	}
	return v
}

// configure points cfg at dir in whichever layout the directory holds.
func configure(cfg *paddle.Config, dir string) error {
	prog := filepath.Join(dir, "model.pdmodel")
	if _, err := os.Stat(prog); err == nil {
		return cfg.SetModel(prog, filepath.Join(dir, "model.pdiparams"))
	}
	if _, err := os.Stat(filepath.Join(dir, "__model__")); err == nil {
		return cfg.SetModelDir(dir)
	}
	return fmt.Errorf("%s holds neither model.pdmodel nor __model__", dir)
}

type feed struct {
	t    *paddle.Tensor
	dims []int32
	data []float32
}

func run(dir string, batch, threads int, seconds float64, warmup int, bf16 string) error {
	// One OS thread for every call, as a Python caller has: the library's OpenMP thread team
	// belongs to the calling thread (paddle.Predictor says more).
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if dir == "" || batch < 1 || threads < 1 {
		return fmt.Errorf("-model is required; -batch and -threads must be at least 1")
	}
	cfg, err := paddle.NewConfig()
	if err != nil {
		return err
	}
	if err := configure(cfg, dir); err != nil {
		return err
	}
	for _, step := range []func() error{
		cfg.DisableGpu,
		func() error { return cfg.SetCpuMathLibraryNumThreads(threads) },
		cfg.EnableMKLDNN,
		func() error { return cfg.SwitchIrOptim(true) },
		func() error { return cfg.EnableMemoryOptim(true) },
	} {
		if err := step(); err != nil {
			return err
		}
	}
	precision := "fp32"
	if bf16 != "" {
		if err := cfg.EnableMkldnnBfloat16(); err != nil {
			return err
		}
		if !cfg.MkldnnBfloat16Enabled() {
			return fmt.Errorf("-bf16: this CPU has no bfloat16 convolutions (AVX-512)")
		}
		if bf16 != "default" {
			if err := cfg.SetBfloat16Op(strings.Split(bf16, ",")); err != nil {
				return err
			}
		}
		precision = "bf16"
	}
	pred, err := paddle.NewPredictor(cfg)
	if err != nil {
		return err
	}
	defer pred.Destroy()

	infos, err := pred.GetInputInfos()
	if err != nil {
		return err
	}
	var feeds []feed
	for _, info := range infos {
		if info.Type != paddle.Float32 {
			return fmt.Errorf("input %q is %v; only float32 inputs are fed", info.Name, info.Type)
		}
		dims := make([]int32, len(info.Shape))
		n := 1
		for i, d := range info.Shape {
			switch {
			case i == 0 && d < 0:
				d = int64(batch)
			case d < 0:
				return fmt.Errorf("input %q has an unknown extent in %v", info.Name, info.Shape)
			}
			dims[i] = int32(d)
			n *= int(d)
		}
		t, err := pred.GetInputHandle(info.Name)
		if err != nil {
			return err
		}
		defer t.Destroy()
		feeds = append(feeds, feed{t: t, dims: dims, data: FixedInput(n)})
	}
	outNames, err := pred.GetOutputNames()
	if err != nil {
		return err
	}
	outs := make([]*paddle.Tensor, len(outNames))
	for i, name := range outNames {
		if outs[i], err = pred.GetOutputHandle(name); err != nil {
			return err
		}
		defer outs[i].Destroy()
	}
	// Output buffers grow once and are reused, as a serving loop would.
	bufs := make([][]float32, len(outs))

	step := func() error {
		for _, f := range feeds {
			if err := f.t.Reshape(f.dims); err != nil {
				return err
			}
			if err := paddle.CopyFromCpu(f.t, f.data); err != nil {
				return err
			}
		}
		if err := pred.Run(); err != nil {
			return err
		}
		for i, o := range outs {
			shape, err := o.Shape()
			if err != nil {
				return err
			}
			n := 1
			for _, d := range shape {
				n *= int(d)
			}
			if cap(bufs[i]) < n {
				bufs[i] = make([]float32, n)
			}
			if err := paddle.CopyToCpu(o, bufs[i][:n]); err != nil {
				return err
			}
		}
		return nil
	}
	for i := 0; i < warmup; i++ {
		if err := step(); err != nil {
			return err
		}
	}
	start := time.Now()
	limit := time.Duration(seconds * float64(time.Second))
	done := 0
	for done == 0 || time.Since(start) < limit {
		if err := step(); err != nil {
			return err
		}
		done++
	}
	elapsed := time.Since(start).Seconds()
	return json.NewEncoder(os.Stdout).Encode(result{
		Impl: "gohub", Library: firstLine(paddle.Version()), Model: filepath.Base(dir), Precision: precision,
		Batch: batch, Threads: threads, Batches: done, Seconds: elapsed,
		ImagesPerSec: float64(done*batch) / elapsed, MsPerBatch: 1000 * elapsed / float64(done),
	})
}

func firstLine(s string) string {
	for i, r := range s {
		if r == '\n' {
			return s[:i]
		}
	}
	return s
}
