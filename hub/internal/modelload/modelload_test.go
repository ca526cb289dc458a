package modelload

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/internal/shared"
	"github.com/gohub/gohub/paddle"
)

// GPU predictors record their runs as CUDA graphs unless GOHUB_CUDA_GRAPHS is 0.
func TestUseDevice(t *testing.T) {
	tests := []struct {
		name   string
		dev    Device
		graphs string // GOHUB_CUDA_GRAPHS
		gpu    bool
		id     int32
		tf32   bool
		graph  bool
	}{
		{"CPU", Device{}, "", false, 0, false, false},
		{"CPU ignores the GPU settings", Device{ID: 2, TF32: true}, "", false, 0, false, false},
		{"GPU", Device{GPU: true, ID: 1}, "", true, 1, false, true},
		{"GPU with TF32", Device{GPU: true, ID: 3, TF32: true}, "", true, 3, true, true},
		{"GPU without graphs", Device{GPU: true}, "0", true, 0, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GOHUB_CUDA_GRAPHS", tt.graphs)
			cfg, err := paddle.NewConfig()
			require.NoError(t, err)
			defer cfg.Destroy()
			require.NoError(t, useDevice(cfg, tt.dev))
			assert.Equal(t, tt.gpu, cfg.UseGpu())
			assert.Equal(t, tt.id, cfg.GpuDeviceId())
			assert.Equal(t, tt.tf32, cfg.GpuTF32Enabled())
			assert.Equal(t, tt.graph, cfg.GpuGraphEnabled())
		})
	}
}

// A GPU that cannot be used fails the load with the library's reason.
func TestOpenGPUUnavailable(t *testing.T) {
	reason, unavailable := strings.CutPrefix(paddle.GPUInfo(), "unavailable: ")
	if !unavailable {
		t.Skip("a GPU is available")
	}
	dir, err := shared.Path("models", "simple_conv_bn_relu")
	if err != nil {
		t.Skipf("shared models absent: %v", err)
	}
	m := Model{Program: filepath.Join(dir, "model.pdmodel"), Params: filepath.Join(dir, "model.pdiparams")}
	pred, err := Open("test", m, Device{})
	require.NoError(t, err, "the CPU loads it")
	pred.Destroy()

	_, err = Open("test", m, Device{GPU: true, TF32: true})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "test: load model")
	assert.Contains(t, err.Error(), reason)
}
