package paddle

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/internal/paddlecase"
	"github.com/gohub/gohub/internal/shared"
)

// classify runs the shared ShuffleNetV2 on one case's input tensor with the config that
// setup adjusts, and returns the 1000 probabilities and the config summary's mkldnn_bfloat16.
func classify(t *testing.T, pc paddlecase.Case, setup func(*Config)) ([]float32, string) {
	t.Helper()
	dir, err := shared.Path("models", "shufflenet_v2_imagenet")
	if err != nil {
		t.Skipf("shared ShuffleNetV2 model absent: %v", err)
	}
	cfg, err := NewConfig()
	require.NoError(t, err)
	require.NoError(t, cfg.SetModelDir(dir))
	require.NoError(t, cfg.SetCpuMathLibraryNumThreads(2))
	setup(cfg)
	row := summaryRow(cfg, "mkldnn_bfloat16")
	pred, err := NewPredictor(cfg)
	require.NoError(t, err)
	defer pred.Destroy()
	in := make([]float32, len(pc.Input)/4)
	for i := range in {
		in[i] = math.Float32frombits(binary.LittleEndian.Uint32(pc.Input[4*i:]))
	}
	names, err := pred.GetInputNames()
	require.NoError(t, err)
	x, err := pred.GetInputHandle(names[0])
	require.NoError(t, err)
	require.NoError(t, x.Reshape([]int32{1, 3, 224, 224}))
	require.NoError(t, x.CopyFromCpu(in))
	require.NoError(t, pred.Run())
	outs, err := pred.GetOutputNames()
	require.NoError(t, err)
	y, err := pred.GetOutputHandle(outs[0])
	require.NoError(t, err)
	probs := make([]float32, 1000)
	require.NoError(t, y.CopyToCpu(probs))
	return probs, row
}

func maxAbsDiff(a, b []float32) float64 {
	var d float64
	for i := range a {
		d = max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

// TestBfloat16Inference: EnableMkldnnBfloat16 runs ShuffleNetV2's convolutions in bfloat16
// where oneDNN has bfloat16 kernels (AVX-512). There the result moves off float32's by
// bfloat16's rounding but keeps Paddle's ranking; elsewhere, as in Paddle, the switch stays
// off and the result is float32's to the bit. SetBfloat16Op limits the op types: with none of
// the convolutions among them, nothing runs in bfloat16.
func TestBfloat16Inference(t *testing.T) {
	for _, pc := range paddlecase.ShuffleNetCases(t) {
		fp32, row := classify(t, pc, func(*Config) {})
		assert.Equal(t, "false", row)
		var enabled bool
		bf16, row := classify(t, pc, func(c *Config) {
			require.NoError(t, c.EnableMkldnnBfloat16())
			enabled = c.MkldnnBfloat16Enabled()
		})
		assert.Equal(t, map[bool]string{true: "true", false: "false"}[enabled], row)
		if enabled {
			d := maxAbsDiff(bf16, fp32)
			t.Logf("%s: bfloat16 largest |bf16 - fp32| %.3g; top 5 %v, Paddle's %v", pc.Name, d,
				paddlecase.TopClasses(bf16, 5), pc.Top(5))
			assert.Greater(t, d, 1e-6, "%s: the convolutions ran in float32", pc.Name)
			assert.Less(t, maxAbsDiff(bf16, pc.Probs), 0.05, pc.Name)
			assert.Equal(t, pc.Top(1), paddlecase.TopClasses(bf16, 1), "%s: Paddle's top class", pc.Name)
		} else {
			assert.Equal(t, fp32, bf16, "%s: no bfloat16 on this CPU, float32 to the bit", pc.Name)
		}
		poolOnly, _ := classify(t, pc, func(c *Config) {
			require.NoError(t, c.EnableMkldnnBfloat16())
			require.NoError(t, c.SetBfloat16Op([]string{"pool2d"}))
		})
		assert.Equal(t, fp32, poolOnly, "%s: SetBfloat16Op without the convolutions", pc.Name)
	}
}
