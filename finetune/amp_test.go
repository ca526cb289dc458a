package finetune

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/paddle/framework"
)

// bfloat16Ops counts p's ops marked bfloat16, and its convolutions, matrix products and their
// gradients (Paddle's AMP white list).
func bfloat16Ops(p *framework.Program) (marked, listed int) {
	for _, op := range p.Ops() {
		switch op.GetType() {
		case "conv2d", "conv2d_grad", "mul", "mul_grad", "matmul", "matmul_grad", "matmul_v2",
			"matmul_v2_grad":
			listed++
		}
		for _, a := range op.Attrs {
			if a.GetName() == "mkldnn_data_type" && a.GetS() == "bfloat16" {
				marked++
			}
		}
	}
	return marked, listed
}

// AMP trains the same model as float32 does, its convolutions, its matrix products and their
// gradients in bfloat16: the losses leave float32's by bfloat16's rounding yet training still learns, and
// the model it exports is float32.
func TestFinetuneAMP(t *testing.T) {
	data := catdogSubset(t, 32, 16, 16)
	reader := testReader(t)
	run := func(amp bool) (record, *ImageClassifierTask, string) {
		dir := t.TempDir()
		cfg := testConfig(dir)
		cfg.AMP = amp
		task, err := NewImageClassifierTask(shufflenetContext(t, true), data, reader, cfg)
		require.NoError(t, err)
		var r record
		task.Subscribe(r.on)
		require.NoError(t, task.FinetuneAndEval(context.Background()))
		return r, task, dir
	}
	fp32, task32, _ := run(false)
	require.NoError(t, task32.Close())
	amp, task, dir := run(true)
	defer task.Close()

	for name, p := range map[string]*framework.Program{"training": task.ps.state.desc,
		"evaluation": task.ps.eval, "prediction": task.ps.predict} {
		marked, listed := bfloat16Ops(p)
		assert.Positive(t, listed, name)
		assert.Equal(t, listed, marked,
			"%s: every conv2d, mul, matmul and their gradients in bfloat16, nothing else", name)
	}
	marked, _ := bfloat16Ops(task.ps.fwd)
	assert.Zero(t, marked, "the forward program the model is exported from stays float32")

	require.Len(t, amp.losses, len(fp32.losses))
	t.Logf("losses float32 %.5f\nlosses bfloat16 %.5f", fp32.losses, amp.losses)
	var moved float64
	for i := range amp.losses {
		moved = max(moved, math.Abs(amp.losses[i]-fp32.losses[i]))
	}
	assert.Greater(t, moved, 1e-6, "the bfloat16 steps compute something else than float32's")
	assert.InDelta(t, fp32.losses[0], amp.losses[0], 0.02*fp32.losses[0], "the first step's loss")
	assert.Less(t, amp.losses[len(amp.losses)-1], amp.losses[0], "training lowers the loss")
	acc := amp.evals[len(amp.evals)-1].Scores.Metrics[MetricAcc]
	assert.GreaterOrEqual(t, acc, 0.75, "pretrained features tell cats from dogs")

	// No file of the exported model asks for bfloat16.
	err := filepath.WalkDir(filepath.Join(dir, bestModelDir), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err == nil {
			assert.False(t, bytes.Contains(b, []byte("bfloat16")), path)
		}
		return err
	})
	require.NoError(t, err)
}
