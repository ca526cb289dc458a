package paddle

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cudaBackendInstalled says whether the library could find a CUDA backend: one beside it
// (the bundled library's directory) or one named by GOHUB_CUDA_BACKEND.
func cudaBackendInstalled() bool {
	if os.Getenv("GOHUB_CUDA_BACKEND") != "" {
		return true
	}
	_, err := os.Stat(filepath.Join("..", "third_party", "paddle_inference_c", "paddle", "lib",
		"libpaddle_inference_cuda.so"))
	return err == nil
}

func TestGPUInfo(t *testing.T) {
	info := GPUInfo()
	t.Logf("GPUInfo: %s", info)
	require.NotEmpty(t, info)
	assert.NotContains(t, info, "\n", "one line")
	assert.Equal(t, info, GPUInfo(), "stable across calls")
	reason, unavailable := strings.CutPrefix(info, "unavailable: ")
	if !cudaBackendInstalled() {
		require.True(t, unavailable, "no CUDA backend installed, yet GPUInfo says %q", info)
		assert.Contains(t, reason, "libpaddle_inference_cuda.so", "names what is missing")
	} else if unavailable {
		assert.NotEmpty(t, reason)
		// The backend resolves the engine's symbols against this library when it loads: one
		// the library does not export would show here (src/capi/exports.map).
		assert.NotContains(t, reason, "undefined symbol")
	}
}

// The CPU build's answer, wherever the tests run: the library is pointed at a backend that
// does not exist, in a child process since the library loads the backend once.
func TestGPUInfoWithoutBackend(t *testing.T) {
	const missing = "/nonexistent/libpaddle_inference_cuda.so"
	if os.Getenv("GOHUB_CUDA_BACKEND") == missing {
		fmt.Print("GPUInfo=" + GPUInfo())
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestGPUInfoWithoutBackend$")
	cmd.Env = append(os.Environ(), "GOHUB_CUDA_BACKEND="+missing)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	_, info, found := strings.Cut(string(out), "GPUInfo=")
	require.True(t, found, "%s", out)
	assert.Regexp(t, `^unavailable: .*could not be loaded: `+missing, info)
}

// Without a usable GPU, a predictor asked to run on one fails with the reason GPUInfo
// gives, rather than running on the CPU.
func TestNewPredictorGPUUnavailable(t *testing.T) {
	reason, unavailable := strings.CutPrefix(GPUInfo(), "unavailable: ")
	if !unavailable {
		t.Skip("a GPU is available")
	}
	cfg, err := NewConfig()
	require.NoError(t, err)
	require.NoError(t, cfg.SetModelDir(filepath.Join(lacDir(t), "model")))
	require.NoError(t, cfg.EnableUseGpu(100, 0))
	pred, err := NewPredictor(cfg)
	if pred != nil {
		pred.Destroy()
	}
	var libErr *Error
	require.ErrorAs(t, err, &libErr)
	assert.Contains(t, libErr.Message, reason)
}

// The GPU switches of gohub's extensions: off by default, set and cleared, refused on a
// destroyed config.
func TestConfigGpuFlags(t *testing.T) {
	for _, f := range []struct {
		name string
		set  func(*Config, bool) error
		get  func(*Config) bool
	}{
		{"TF32", (*Config).SetGpuTF32, (*Config).GpuTF32Enabled},
		{"Graph", (*Config).SetGpuGraph, (*Config).GpuGraphEnabled},
	} {
		t.Run(f.name, func(t *testing.T) {
			c := newConfig(t)
			assert.False(t, f.get(c), "off by default")
			require.NoError(t, f.set(c, true))
			assert.True(t, f.get(c))
			require.NoError(t, f.set(c, false))
			assert.False(t, f.get(c))

			c.Destroy()
			assert.ErrorIs(t, f.set(c, true), ErrDestroyed)
			assert.False(t, f.get(c))
		})
	}
}

// Against a library without the extensions (the official one), the setter fails saying
// so, the getter says off and GPUInfo says why it knows nothing.
func TestGPUExtensionsMissing(t *testing.T) {
	require.NotNil(t, gpuExt.setTF32, "the bundled library exports the GPU extensions")
	saved := gpuExt
	t.Cleanup(func() { gpuExt = saved })
	gpuExt.setTF32, gpuExt.tf32Enabled, gpuExt.info = nil, nil, nil
	gpuExt.setGraph, gpuExt.graphEnabled = nil, nil

	c := newConfig(t)
	err := c.SetGpuTF32(true)
	assert.ErrorIs(t, err, ErrNoExtension)
	assert.ErrorContains(t, err, "PD_ConfigSetGpuTF32")
	assert.False(t, c.GpuTF32Enabled())
	err = c.SetGpuGraph(true)
	assert.ErrorIs(t, err, ErrNoExtension)
	assert.ErrorContains(t, err, "PD_ConfigSetGpuGraph")
	assert.False(t, c.GpuGraphEnabled())
	assert.Regexp(t, `^unavailable: .*lacks PD_GpuInfo`, GPUInfo())
}
