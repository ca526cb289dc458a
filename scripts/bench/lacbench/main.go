// Command lacbench measures LAC segmentation throughput through gohub's Go API (Go → C API →
// native library), by the same method as scripts/bench/paddle_lac.py: sentences are turned
// into ids before timing; each timed batch is reshape + copy in + set LoD + run + copy out of
// the tags. It prints one JSON line.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/gohub/gohub/internal/shared"
	"github.com/gohub/gohub/paddle"
	"github.com/gohub/gohub/readers/lac"
)

type result struct {
	Impl            string  `json:"impl"`
	Library         string  `json:"library"`
	Batch           int     `json:"batch"`
	Threads         int     `json:"threads"`
	Batches         int     `json:"batches"`
	Seconds         float64 `json:"seconds"`
	SentencesPerSec float64 `json:"sentences_per_sec"`
}

func main() {
	sentences := flag.String("sentences", "testdata/lac/bench_sentences.txt", "one sentence per line")
	batchSize := flag.Int("batch", 32, "sentences per run")
	threads := flag.Int("threads", 1, "CPU math threads")
	seconds := flag.Float64("seconds", 10, "timed duration")
	warmup := flag.Int("warmup", 20, "untimed batches first")
	flag.Parse()
	if err := run(*sentences, *batchSize, *threads, *seconds, *warmup); err != nil {
		fmt.Fprintln(os.Stderr, "lacbench:", err)
		os.Exit(2)
	}
}

func run(path string, batchSize, threads int, seconds float64, warmup int) error {
	// One OS thread for every call, as a Python caller has: the library's OpenMP thread team
	// belongs to the calling thread (paddle.Predictor says more).
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if batchSize < 1 || threads < 1 {
		return fmt.Errorf("-batch and -threads must be at least 1")
	}
	root, err := shared.Dir()
	if err != nil {
		return err
	}
	model := filepath.Join(root, "models", "lac_seg")
	vocab, err := lac.LoadVocab(filepath.Join(model, "conf"))
	if err != nil {
		return err
	}
	texts, err := readLines(path)
	if err != nil {
		return err
	}
	batches, err := makeBatches(vocab, texts, batchSize)
	if err != nil {
		return err
	}

	cfg, err := paddle.NewConfig()
	if err != nil {
		return err
	}
	if err := cfg.SetModelDir(filepath.Join(model, "model")); err != nil {
		return err
	}
	if err := cfg.SetCpuMathLibraryNumThreads(threads); err != nil {
		return err
	}
	pred, err := paddle.NewPredictor(cfg)
	if err != nil {
		return err
	}
	defer pred.Destroy()
	in, out, err := handles(pred)
	if err != nil {
		return err
	}
	defer in.Destroy()
	defer out.Destroy()

	tags := make([]int64, 0, 4096)
	step := func(b *lac.Batch) error {
		if err := in.Reshape(b.Shape()); err != nil {
			return err
		}
		if err := paddle.CopyFromCpu(in, b.IDs); err != nil {
			return err
		}
		if err := in.SetLod([][]uint{b.LoD}); err != nil {
			return err
		}
		if err := pred.Run(); err != nil {
			return err
		}
		shape, err := out.Shape()
		if err != nil {
			return err
		}
		n := 1
		for _, d := range shape {
			n *= int(d)
		}
		tags = tags[:0]
		tags = append(tags, make([]int64, n)...)
		return paddle.CopyToCpu(out, tags)
	}
	for i := 0; i < warmup; i++ {
		if err := step(batches[i%len(batches)]); err != nil {
			return err
		}
	}
	start := time.Now()
	limit := time.Duration(seconds * float64(time.Second))
	done := 0
	for time.Since(start) < limit {
		if err := step(batches[done%len(batches)]); err != nil {
			return err
		}
		done++
	}
	elapsed := time.Since(start).Seconds()
	return json.NewEncoder(os.Stdout).Encode(result{
		Impl: "gohub", Library: firstLine(paddle.Version()), Batch: batchSize, Threads: threads,
		Batches: done, Seconds: elapsed, SentencesPerSec: float64(done*batchSize) / elapsed,
	})
}

func handles(pred *paddle.Predictor) (in, out *paddle.Tensor, err error) {
	inNames, err := pred.GetInputNames()
	if err != nil {
		return nil, nil, err
	}
	outNames, err := pred.GetOutputNames()
	if err != nil {
		return nil, nil, err
	}
	if in, err = pred.GetInputHandle(inNames[0]); err != nil {
		return nil, nil, err
	}
	if out, err = pred.GetOutputHandle(outNames[0]); err != nil {
		in.Destroy()
		return nil, nil, err
	}
	return in, out, nil
}

// makeBatches cycles through texts batchSize at a time, as the Paddle side does.
func makeBatches(vocab *lac.Vocab, texts []string, batchSize int) ([]*lac.Batch, error) {
	n := (len(texts) + batchSize - 1) / batchSize
	batches := make([]*lac.Batch, 0, n)
	next := 0
	for i := 0; i < n; i++ {
		chunk := make([]string, batchSize)
		for k := range chunk {
			chunk[k] = texts[next%len(texts)]
			next++
		}
		b, err := vocab.NewBatch(chunk)
		if err != nil {
			return nil, err
		}
		batches = append(batches, b)
	}
	return batches, nil
}

func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if sc.Text() != "" {
			lines = append(lines, sc.Text())
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("%s holds no sentences", path)
	}
	return lines, nil
}

func firstLine(s string) string {
	for i, r := range s {
		if r == '\n' {
			return s[:i]
		}
	}
	return s
}
