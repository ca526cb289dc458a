package paddle

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newConfig(t *testing.T) *Config {
	t.Helper()
	cfg, err := NewConfig()
	require.NoError(t, err)
	t.Cleanup(cfg.Destroy)
	return cfg
}

func TestConfigRoundTrip(t *testing.T) {
	tests := []struct {
		name  string
		set   func(*Config) error
		check func(*testing.T, *Config)
	}{
		{"SetModelDir", func(c *Config) error { return c.SetModelDir("some/dir") },
			func(t *testing.T, c *Config) { assert.Equal(t, "some/dir", c.ModelDir()) }},
		{"SetModel", func(c *Config) error { return c.SetModel("m.pdmodel", "m.pdiparams") },
			func(t *testing.T, c *Config) {
				assert.Equal(t, "m.pdmodel", c.ProgFile())
				assert.Equal(t, "m.pdiparams", c.ParamsFile())
			}},
		{"SetProgFile and SetParamsFile", func(c *Config) error {
			if err := c.SetProgFile("p"); err != nil {
				return err
			}
			return c.SetParamsFile("q")
		}, func(t *testing.T, c *Config) {
			assert.Equal(t, "p", c.ProgFile())
			assert.Equal(t, "q", c.ParamsFile())
		}},
		{"SwitchIrOptim off", func(c *Config) error { return c.SwitchIrOptim(false) },
			func(t *testing.T, c *Config) { assert.False(t, c.IrOptim()) }},
		{"SwitchIrOptim on", func(c *Config) error { return c.SwitchIrOptim(true) },
			func(t *testing.T, c *Config) { assert.True(t, c.IrOptim()) }},
		{"EnableMemoryOptim", func(c *Config) error { return c.EnableMemoryOptim(true) },
			func(t *testing.T, c *Config) { assert.True(t, c.MemoryOptimEnabled()) }},
		{"SetCpuMathLibraryNumThreads", func(c *Config) error { return c.SetCpuMathLibraryNumThreads(3) },
			func(t *testing.T, c *Config) { assert.Equal(t, int32(3), c.CpuMathLibraryNumThreads()) }},
		{"DisableGlogInfo", func(c *Config) error { return c.DisableGlogInfo() },
			func(t *testing.T, c *Config) { assert.True(t, c.GlogInfoDisabled()) }},
		{"DisableFCPadding", func(c *Config) error { return c.DisableFCPadding() },
			func(t *testing.T, c *Config) { assert.False(t, c.UseFcPadding()) }},
		{"SetModelBuffer", func(c *Config) error { return c.SetModelBuffer("prog\x00bytes", "params") },
			func(t *testing.T, c *Config) { assert.True(t, c.ModelFromMemory()) }},
		{"DisableGpu", func(c *Config) error {
			if err := c.EnableUseGpu(100, 0); err != nil {
				return err
			}
			return c.DisableGpu()
		}, func(t *testing.T, c *Config) {
			assert.False(t, c.UseGpu())
			assert.False(t, c.CudnnEnabled())
		}},
		{"SetInvalid", func(c *Config) error { return c.SetInvalid() },
			func(t *testing.T, c *Config) { assert.False(t, c.IsValid()) }},
		{"AppendPass and DeletePass", func(c *Config) error {
			if err := c.AppendPass("gohub_test_pass"); err != nil {
				return err
			}
			if !contains(c.AllPasses(), "gohub_test_pass") {
				return assert.AnError
			}
			return c.DeletePass("gohub_test_pass")
		}, func(t *testing.T, c *Config) { assert.NotContains(t, c.AllPasses(), "gohub_test_pass") }},
		{"InsertPass", func(c *Config) error { return c.InsertPass(0, "gohub_first_pass") },
			func(t *testing.T, c *Config) {
				passes := c.AllPasses()
				require.NotEmpty(t, passes)
				assert.Equal(t, "gohub_first_pass", passes[0])
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConfig(t)
			require.NoError(t, tt.set(c))
			tt.check(t, c)
		})
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// The defaults are the native library's (pd_config.cc, framework/predictor.h): CPU, one
// math thread, graph passes on, memory optimisation off, a 100 MB GPU pool on device 0 once
// the GPU is asked for.
func TestConfigDefaults(t *testing.T) {
	c := newConfig(t)
	assert.True(t, c.IsValid())
	assert.False(t, c.UseGpu())
	assert.False(t, c.CudnnEnabled())
	assert.False(t, c.ModelFromMemory())
	assert.Empty(t, c.ModelDir())
	assert.Equal(t, int32(1), c.CpuMathLibraryNumThreads())
	assert.True(t, c.IrOptim())
	assert.False(t, c.MemoryOptimEnabled())
	assert.True(t, c.UseFcPadding())
	assert.False(t, c.GlogInfoDisabled())
	assert.Equal(t, int32(0), c.GpuDeviceId())
	assert.Equal(t, int32(100), c.MemoryPoolInitSizeMb())
	assert.Zero(t, c.FractionOfGpuMemoryForPool(), "no GPU memory to take a fraction of")
	assert.Equal(t, int32(0), c.XpuDeviceId())
	assert.Equal(t, int32(0), c.CustomDeviceId())
	assert.Empty(t, c.CustomDeviceType())
	assert.Empty(t, c.ShapeRangeInfoPath())
	assert.False(t, c.TrtAllowBuildAtRuntime())
	assert.Equal(t, "(not set)", summaryRow(c, "model"))
	assert.Equal(t, "false", summaryRow(c, "use_gpu"))
	assert.Equal(t, "1", summaryRow(c, "cpu_math_thread"))
}

// summaryRow returns the value in the Summary table's row named key, "" where there is none.
func summaryRow(c *Config, key string) string {
	for _, line := range strings.Split(c.Summary(), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) == 4 && strings.TrimSpace(cells[1]) == key {
			return strings.TrimSpace(cells[2])
		}
	}
	return ""
}

// Asking for the GPU is a setting: it succeeds wherever the tests run, since the CUDA
// backend is loaded by NewPredictor (TestNewPredictorGPUUnavailable), and cuDNN is on
// exactly when the GPU is. Reduced precision and negative devices are refused.
func TestConfigGPU(t *testing.T) {
	c := newConfig(t)
	require.NoError(t, c.EnableUseGpu(250, 3))
	assert.True(t, c.UseGpu())
	assert.Equal(t, int32(3), c.GpuDeviceId())
	assert.Equal(t, int32(250), c.MemoryPoolInitSizeMb())
	assert.True(t, c.CudnnEnabled(), "the GPU backend runs convolutions on cuDNN")
	assert.Equal(t, "3", summaryRow(c, "gpu_device_id"))
	assert.Equal(t, "250", summaryRow(c, "memory_pool_init_size_mb"))

	for _, tt := range []struct {
		name      string
		device    int32
		precision Precision
		want      string
	}{
		{"fp16", 0, PrecisionHalf, "only float32 inference is available on the GPU"},
		{"int8", 0, PrecisionInt8, "only float32 inference is available on the GPU"},
		{"device -1", -1, PrecisionFloat32, "invalid GPU device id -1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := newConfig(t)
			err := c.EnableUseGpuPrecision(100, tt.device, tt.precision)
			var libErr *Error
			require.ErrorAs(t, err, &libErr)
			assert.Contains(t, libErr.Message, tt.want)
			assert.False(t, c.UseGpu(), "refused but reported on")
			assert.Equal(t, int32(0), c.GpuDeviceId(), "refused but remembered")
		})
	}
}

// The native library is CPU only (pd_config.cc): an engine or device it lacks is refused
// with a message naming it, and its getter says off. Switches that only tune speed or
// diagnostics on a CPU (oneDNN, profiling) or that need a GPU (cuDNN, GPU streams) are
// accepted and report off, since ignoring them cannot change results. Either way the
// config is otherwise as it was: its summary is a fresh config's. A few refused setters
// still remember their argument, which their getter returns.
func TestConfigOptionalEngines(t *testing.T) {
	fresh := newConfig(t).Summary()
	tests := []struct {
		name  string
		set   func(*Config) error
		on    func(*Config) bool
		want  string // what the library lacks, as its message names it; "" if accepted
		after func(*testing.T, *Config)
	}{
		{"cuDNN", (*Config).EnableCudnn, (*Config).CudnnEnabled, "", nil},
		{"TensorRT", func(c *Config) error {
			return c.EnableTensorRtEngine(1<<20, 1, 3, PrecisionFloat32, false, false)
		}, (*Config).TensorRtEngineEnabled, "TensorRT", nil},
		{"TensorRT DLA", func(c *Config) error { return c.EnableTensorRtDLA(0) }, (*Config).TensorrtDlaEnabled, "TensorRT", nil},
		{"TensorRT varseqlen", (*Config).EnableVarseqlen, (*Config).TensorrtOssEnabled, "TensorRT", nil},
		{"TensorRT tuned shapes", func(c *Config) error {
			return c.EnableTunedTensorRtDynamicShape("shapes.txt", true)
		}, (*Config).TunedTensorRtDynamicShape, "TensorRT", func(t *testing.T, c *Config) {
			assert.Equal(t, "shapes.txt", c.ShapeRangeInfoPath())
			assert.False(t, c.TrtAllowBuildAtRuntime())
		}},
		{"TensorRT dynamic shapes", func(c *Config) error {
			s := map[string][]int32{"x": {1, 3}}
			return c.SetTRTDynamicShapeInfo(s, s, s, false)
		}, (*Config).TensorRtDynamicShapeEnabled, "TensorRT", nil},
		{"ONNXRuntime", (*Config).EnableONNXRuntime, (*Config).ONNXRuntimeEnabled, "ONNXRuntime", nil},
		{"XPU", func(c *Config) error { return c.EnableXpu(256, false, false, "", "int16", false, false) },
			(*Config).UseXpu, "XPU", func(t *testing.T, c *Config) { assert.Equal(t, int32(0), c.XpuDeviceId()) }},
		{"custom device", func(c *Config) error { return c.EnableCustomDevice("npu", 1) },
			(*Config).UseCustomDevice, "Custom device support", func(t *testing.T, c *Config) {
				assert.Equal(t, "npu", c.CustomDeviceType())
				assert.Equal(t, int32(1), c.CustomDeviceId())
			}},
		{"Lite", func(c *Config) error {
			return c.EnableLiteEngine(PrecisionFloat32, false, []string{"p"}, []string{"o"})
		}, (*Config).LiteEngineEnabled, "The Paddle-Lite sub-graph engine", nil},
		{"oneDNN", (*Config).EnableMKLDNN, (*Config).MkldnnEnabled, "", nil},
		{"profile", (*Config).EnableProfile, (*Config).ProfileEnabled, "", nil},
		{"oneDNN int8", (*Config).EnableMkldnnInt8, (*Config).MkldnnInt8Enabled, "oneDNN int8", nil},
		{"oneDNN quantizer", (*Config).EnableMkldnnQuantizer, (*Config).MkldnnQuantizerEnabled, "oneDNN int8 quantization", nil},
		{"GPU multi-stream", (*Config).EnableGpuMultiStream, (*Config).ThreadLocalStreamEnabled, "", nil},
		{"collect shapes", func(c *Config) error { return c.CollectShapeRangeInfo("shapes.txt") },
			(*Config).ShapeRangeInfoCollected, "Shape range collection (for TensorRT)", func(t *testing.T, c *Config) {
				assert.Equal(t, "shapes.txt", c.ShapeRangeInfoPath())
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConfig(t)
			err := tt.set(c)
			if tt.want == "" {
				require.NoError(t, err)
			} else {
				var libErr *Error
				require.ErrorAs(t, err, &libErr)
				assert.Contains(t, libErr.Message, tt.want+" is not available in gohub's native library (CPU only)")
			}
			assert.False(t, tt.on(c), "reported on")
			assert.Equal(t, fresh, c.Summary(), "the setting changed the config")
			if tt.after != nil {
				tt.after(t, c)
			}
		})
	}
}

// Settings without a getter of their own: each is accepted or refused as pd_config.cc says,
// and where the summary shows the setting, it shows it.
func TestConfigOtherSetters(t *testing.T) {
	c := newConfig(t)
	dir := t.TempDir()
	require.NoError(t, c.SetOptimCacheDir(dir))
	assert.Equal(t, dir, summaryRow(c, "optim_cache_dir"))
	require.NoError(t, c.SwitchIrDebug(true))
	require.NoError(t, c.SetMkldnnCacheCapacity(10))
	require.NoError(t, c.SetMKLDNNOp([]string{"conv2d"}))
	require.NoError(t, c.DisableTensorRtOPs([]string{"mul"}))
	require.NoError(t, c.SetExecStream(nil))
	require.NoError(t, c.DisableONNXRuntime())
	assert.False(t, c.ONNXRuntimeEnabled())

	for name, tt := range map[string]struct {
		err  error
		want string
	}{
		"EnableORTOptimization": {c.EnableORTOptimization(), "ONNXRuntime is not available"},
	} {
		var libErr *Error
		if assert.ErrorAs(t, tt.err, &libErr, name) {
			assert.Contains(t, libErr.Message, tt.want, name)
		}
	}

	// PartiallyRelease drops the in-memory model copies but not the choice of them.
	c = newConfig(t)
	require.NoError(t, c.SetModelBuffer("prog", "params"))
	assert.Equal(t, "4", summaryRow(c, "program_buffer_size"))
	assert.Equal(t, "6", summaryRow(c, "params_buffer_size"))
	require.NoError(t, c.PartiallyRelease())
	assert.True(t, c.ModelFromMemory())
	assert.Equal(t, "0", summaryRow(c, "program_buffer_size"))
	assert.Equal(t, "0", summaryRow(c, "params_buffer_size"))
}

func TestConfigBadArguments(t *testing.T) {
	c := newConfig(t)
	assert.ErrorContains(t, c.SetModelDir("a\x00b"), "NUL")
	assert.ErrorContains(t, c.SetModel("a", "b\x00"), "NUL")
	assert.ErrorContains(t, c.SetMKLDNNOp([]string{"ok", "x\x00"}), "NUL")
	assert.ErrorContains(t, c.SetCpuMathLibraryNumThreads(-1), "bad thread count")

	s := map[string][]int32{"x": {1, 3}}
	assert.ErrorContains(t, c.SetTRTDynamicShapeInfo(s, map[string][]int32{"y": {1, 3}}, s, false), "different rank or is missing")
	assert.ErrorContains(t, c.SetTRTDynamicShapeInfo(s, map[string][]int32{"x": {1}}, s, false), "different rank")
	assert.ErrorContains(t, c.SetTRTDynamicShapeInfo(s, nil, s, false), "different tensors")
}

func TestConfigDestroyed(t *testing.T) {
	c, err := NewConfig()
	require.NoError(t, err)
	require.NoError(t, c.SetModelDir("x"))
	c.Destroy()
	c.Destroy() // harmless

	assert.ErrorIs(t, c.SetModelDir("y"), ErrDestroyed)
	assert.ErrorIs(t, c.SwitchIrOptim(true), ErrDestroyed)
	assert.Empty(t, c.ModelDir())
	assert.False(t, c.IrOptim())
	assert.Zero(t, c.CpuMathLibraryNumThreads())
	assert.Empty(t, c.Summary())
	assert.Nil(t, c.AllPasses())
	_, err = NewPredictor(c)
	assert.ErrorIs(t, err, ErrDestroyed)

	var nilConfig *Config
	assert.ErrorIs(t, nilConfig.SetModelDir("z"), ErrDestroyed)
	_, err = NewPredictor(nil)
	assert.ErrorIs(t, err, ErrDestroyed)
}

func TestVersion(t *testing.T) {
	assert.Contains(t, Version(), "version")
}
