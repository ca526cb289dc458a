package paddle

import (
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
		{"DisableGpu", func(c *Config) error { return c.DisableGpu() },
			func(t *testing.T, c *Config) { assert.False(t, c.UseGpu()) }},
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

func TestConfigDefaults(t *testing.T) {
	c := newConfig(t)
	assert.True(t, c.IsValid())
	assert.False(t, c.UseGpu())
	assert.False(t, c.ModelFromMemory())
	assert.Empty(t, c.ModelDir())
	assert.NotEmpty(t, c.Summary())
}

// Options a library may lack: the setter fails with the library's message and the getter
// says off, or the setter succeeds. A library may also accept an option it ignores when
// ignoring it cannot change results (e.g. profiling, oneDNN) and report it off, so on
// success the getter is only required not to crash.
func TestConfigOptionalEngines(t *testing.T) {
	tests := []struct {
		name string
		set  func(*Config) error
		on   func(*Config) bool
	}{
		{"GPU", func(c *Config) error { return c.EnableUseGpu(100, 0) }, (*Config).UseGpu},
		{"GPU fp16", func(c *Config) error { return c.EnableUseGpuPrecision(100, 0, PrecisionHalf) }, (*Config).UseGpu},
		{"cuDNN", (*Config).EnableCudnn, (*Config).CudnnEnabled},
		{"TensorRT", func(c *Config) error {
			return c.EnableTensorRtEngine(1<<20, 1, 3, PrecisionFloat32, false, false)
		}, (*Config).TensorRtEngineEnabled},
		{"TensorRT DLA", func(c *Config) error { return c.EnableTensorRtDLA(0) }, (*Config).TensorrtDlaEnabled},
		{"TensorRT varseqlen", (*Config).EnableVarseqlen, (*Config).TensorrtOssEnabled},
		{"TensorRT tuned shapes", func(c *Config) error {
			return c.EnableTunedTensorRtDynamicShape("shapes.txt", true)
		}, (*Config).TunedTensorRtDynamicShape},
		{"TensorRT dynamic shapes", func(c *Config) error {
			s := map[string][]int32{"x": {1, 3}}
			return c.SetTRTDynamicShapeInfo(s, s, s, false)
		}, (*Config).TensorRtDynamicShapeEnabled},
		{"ONNXRuntime", (*Config).EnableONNXRuntime, (*Config).ONNXRuntimeEnabled},
		{"XPU", func(c *Config) error { return c.EnableXpu(256, false, false, "", "int16", false, false) }, (*Config).UseXpu},
		{"custom device", func(c *Config) error { return c.EnableCustomDevice("npu", 1) }, (*Config).UseCustomDevice},
		{"Lite", func(c *Config) error {
			return c.EnableLiteEngine(PrecisionFloat32, false, []string{"p"}, []string{"o"})
		}, (*Config).LiteEngineEnabled},
		{"oneDNN", (*Config).EnableMKLDNN, (*Config).MkldnnEnabled},
		{"profile", (*Config).EnableProfile, (*Config).ProfileEnabled},
		{"oneDNN bf16", (*Config).EnableMkldnnBfloat16, (*Config).MkldnnBfloat16Enabled},
		{"oneDNN int8", (*Config).EnableMkldnnInt8, (*Config).MkldnnInt8Enabled},
		{"oneDNN quantizer", (*Config).EnableMkldnnQuantizer, (*Config).MkldnnQuantizerEnabled},
		{"GPU multi-stream", (*Config).EnableGpuMultiStream, (*Config).ThreadLocalStreamEnabled},
		{"collect shapes", func(c *Config) error { return c.CollectShapeRangeInfo("shapes.txt") }, (*Config).ShapeRangeInfoCollected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConfig(t)
			if err := tt.set(c); err != nil {
				var libErr *Error
				require.ErrorAs(t, err, &libErr)
				assert.NotEmpty(t, libErr.Message)
				assert.False(t, tt.on(c), "refused but reported on")
				return
			}
			t.Logf("accepted; reported on: %v", tt.on(c))
		})
	}
}

// Settings without a getter of their own only have to be accepted or refused cleanly.
func TestConfigOtherSetters(t *testing.T) {
	c := newConfig(t)
	for name, err := range map[string]error{
		"SetOptimCacheDir":       c.SetOptimCacheDir(t.TempDir()),
		"SwitchIrDebug":          c.SwitchIrDebug(false),
		"SetMkldnnCacheCapacity": c.SetMkldnnCacheCapacity(10),
		"SetMKLDNNOp":            c.SetMKLDNNOp([]string{"conv2d"}),
		"SetBfloat16Op":          c.SetBfloat16Op(nil),
		"DisableTensorRtOPs":     c.DisableTensorRtOPs([]string{"mul"}),
		"DisableONNXRuntime":     c.DisableONNXRuntime(),
		"EnableORTOptimization":  c.EnableORTOptimization(),
		"SetExecStream":          c.SetExecStream(nil),
		"PartiallyRelease":       c.PartiallyRelease(),
	} {
		if err != nil {
			var libErr *Error
			assert.ErrorAs(t, err, &libErr, name)
		}
	}
	assert.GreaterOrEqual(t, c.GpuDeviceId(), int32(0))
	assert.GreaterOrEqual(t, c.XpuDeviceId(), int32(0))
	assert.GreaterOrEqual(t, c.CustomDeviceId(), int32(0))
	assert.GreaterOrEqual(t, c.MemoryPoolInitSizeMb(), int32(0))
	assert.GreaterOrEqual(t, c.FractionOfGpuMemoryForPool(), float32(0))
	assert.Empty(t, c.CustomDeviceType())
	assert.Empty(t, c.ShapeRangeInfoPath())
	assert.False(t, c.TrtAllowBuildAtRuntime())
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
