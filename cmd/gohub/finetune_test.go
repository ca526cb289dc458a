package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/internal/shared"
	"github.com/gohub/gohub/readers/imgbatch"
)

// --picture_cache_mb 0 turns the cache off, where imgbatch's 0 would mean its default.
func TestPictureCacheBytes(t *testing.T) {
	for mb, want := range map[int]int64{0: imgbatch.NoCache, -5: imgbatch.NoCache, 1: 1 << 20, 1024: 1 << 30} {
		if got := pictureCacheBytes(mb); got != want {
			t.Errorf("pictureCacheBytes(%d) = %d, want %d", mb, got, want)
		}
	}
}

func TestFinetuneHelp(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"gohub", "finetune", "--help"}, &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	for _, want := range []string{"--amp", "bfloat16 mixed precision", "--use_gpu", "--trainable", "default_finetune"} {
		assert.Contains(t, out.String(), want)
	}
}

// catdogFolder writes a data set folder of the shared cat/dog pictures' first n train, dev and
// test lines (the lists naming the pictures where they are).
func catdogFolder(t *testing.T, n int) string {
	t.Helper()
	src, err := shared.Path("data", "catdog")
	if err != nil {
		t.Skipf("shared cat/dog data absent: %v", err)
	}
	dir := t.TempDir()
	for _, file := range []string{"train_list.txt", "validate_list.txt", "test_list.txt"} {
		b, err := os.ReadFile(filepath.Join(src, file))
		require.NoError(t, err)
		var out strings.Builder
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n")[:n] {
			fmt.Fprintf(&out, "%s\n", filepath.Join(src, line))
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, file), []byte(out.String()), 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "label_list.txt"), []byte("cat\ndog\n"), 0o644))
	return dir
}

var firstStepLoss = regexp.MustCompile(`(?m)^step 1 / \d+: loss=([0-9.]+)`)

// gohub finetune --use_gpu trains where the CUDA backend works, its first loss the CPU run's
// (the same seed), and resumes a run the CPU started; where no GPU is usable it fails before
// training, with the backend's reason.
func TestFinetuneUseGPU(t *testing.T) {
	module, err := shared.Path("models", "shufflenet_v2_imagenet")
	if err != nil {
		t.Skipf("shared ShuffleNetV2 model absent: %v", err)
	}
	data := catdogFolder(t, 16)
	finetune := func(ckpt string, extra ...string) (string, string, int) {
		var out, errOut bytes.Buffer
		args := append([]string{"gohub", "finetune", "--module", module, "--dataset", data,
			"--batch_size", "8", "--seed", "3", "--log_interval", "1", "--threads", "2",
			"--checkpoint_dir", ckpt}, extra...)
		code := run(context.Background(), args, &out, &errOut)
		return out.String(), errOut.String(), code
	}
	lossOf := func(log string) float64 {
		m := firstStepLoss.FindStringSubmatch(log)
		require.NotNil(t, m, log)
		v, err := strconv.ParseFloat(m[1], 64)
		require.NoError(t, err)
		return v
	}
	onCPU := filepath.Join(t.TempDir(), "cpu")
	_, cpuLog, code := finetune(onCPU)
	require.Equal(t, 0, code, cpuLog)

	// --cuda_graph alone would be ignored: a usage error.
	_, errOut, code := finetune(filepath.Join(t.TempDir(), "none"), "--cuda_graph")
	assert.Equal(t, 1, code, errOut)
	assert.Contains(t, errOut, "give --use_gpu too")

	onGPU := filepath.Join(t.TempDir(), "gpu")
	out, gpuLog, code := finetune(onGPU, "--use_gpu")
	if refusedForNoGPU(t, code, out, gpuLog) {
		assert.NoDirExists(t, filepath.Join(onGPU, "step_2"), "nothing trained")
		return
	}
	require.Equal(t, 0, code, gpuLog)
	assert.Contains(t, gpuLog, "use_gpu=true")
	cpu, gpu := lossOf(cpuLog), lossOf(gpuLog)
	assert.InDelta(t, cpu, gpu, 1e-3*math.Abs(cpu), "the first step's loss, CPU %v and GPU %v", cpu, gpu)
	assert.DirExists(t, filepath.Join(onGPU, "best_model"))

	// The CPU's run goes on for a second epoch on the GPU, from its checkpoint, its steps
	// recorded as CUDA graphs.
	_, resumed, code := finetune(onCPU, "--use_gpu", "--num_epoch", "2", "--cuda_graph")
	require.Equal(t, 0, code, resumed)
	assert.Contains(t, resumed, "checkpoint loaded. current_epoch=")
	assert.Contains(t, resumed, "step 3 / 4: loss=", "the second epoch's steps, on the GPU")
	assert.Contains(t, resumed, "CUDA graphs recorded and launched: ")
}
