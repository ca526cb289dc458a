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

func TestUseDevice(t *testing.T) {
	tests := []struct {
		name string
		dev  Device
		gpu  bool
		id   int32
		tf32 bool
	}{
		{"CPU", Device{}, false, 0, false},
		{"CPU ignores the GPU settings", Device{ID: 2, TF32: true}, false, 0, false},
		{"GPU", Device{GPU: true, ID: 1}, true, 1, false},
		{"GPU with TF32", Device{GPU: true, ID: 3, TF32: true}, true, 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := paddle.NewConfig()
			require.NoError(t, err)
			defer cfg.Destroy()
			require.NoError(t, useDevice(cfg, tt.dev))
			assert.Equal(t, tt.gpu, cfg.UseGpu())
			assert.Equal(t, tt.id, cfg.GpuDeviceId())
			assert.Equal(t, tt.tf32, cfg.GpuTF32Enabled())
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
