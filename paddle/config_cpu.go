package paddle

// #include <stdlib.h>
// #include <pd_config.h>
import "C"

import (
	"math"
	"runtime"

	"github.com/pkg/errors"
)

// ---- graph optimisation ----

// SwitchIrOptim turns the graph passes on or off.
func (c *Config) SwitchIrOptim(x bool) error {
	return c.set("SwitchIrOptim", func(p *C.PD_Config) { C.PD_ConfigSwitchIrOptim(p, cBool(x)) })
}

// IrOptim reports whether graph passes run.
func (c *Config) IrOptim() bool {
	return c.flag(func(p *C.PD_Config) C.PD_Bool { return C.PD_ConfigIrOptim(p) })
}

// SwitchIrDebug makes the passes dump the graph after each step.
func (c *Config) SwitchIrDebug(x bool) error {
	return c.set("SwitchIrDebug", func(p *C.PD_Config) { C.PD_ConfigSwitchIrDebug(p, cBool(x)) })
}

// DeletePass removes a graph pass by name.
func (c *Config) DeletePass(pass string) error {
	return c.setString("DeletePass", pass, func(p *C.PD_Config, s *C.char) { C.PD_ConfigDeletePass(p, s) })
}

// AppendPass adds a graph pass at the end.
func (c *Config) AppendPass(pass string) error {
	return c.setString("AppendPass", pass, func(p *C.PD_Config, s *C.char) { C.PD_ConfigAppendPass(p, s) })
}

// InsertPass inserts a graph pass at position idx.
func (c *Config) InsertPass(idx uint64, pass string) error {
	return c.setString("InsertPass", pass, func(p *C.PD_Config, s *C.char) { C.PD_ConfigInsertPass(p, C.size_t(idx), s) })
}

// AllPasses returns the graph passes in order.
func (c *Config) AllPasses() []string {
	defer runtime.KeepAlive(c)
	if c == nil || c.c == nil {
		return nil
	}
	return goStrings(C.PD_ConfigAllPasses(c.c))
}

// DisableFCPadding stops the fc passes from padding weights.
func (c *Config) DisableFCPadding() error {
	return c.set("DisableFCPadding", func(p *C.PD_Config) { C.PD_ConfigDisableFCPadding(p) })
}

// UseFcPadding reports whether fc weights may be padded.
func (c *Config) UseFcPadding() bool {
	return c.flag(func(p *C.PD_Config) C.PD_Bool { return C.PD_ConfigUseFcPadding(p) })
}

// ---- memory, profiling, logging ----

// EnableMemoryOptim lets the predictor reuse activation buffers. On the CPU each activation
// goes back to the allocator after its last reader, so the next op writes to memory still in
// cache; on a GPU they are freed after each run. Either way only the inputs and outputs can
// be read after a run, not the intermediates (GetOutputHandle on one finds no data).
func (c *Config) EnableMemoryOptim(x bool) error {
	return c.set("EnableMemoryOptim", func(p *C.PD_Config) { C.PD_ConfigEnableMemoryOptim(p, cBool(x)) })
}

// MemoryOptimEnabled reports whether activation buffers are reused.
func (c *Config) MemoryOptimEnabled() bool {
	return c.flag(func(p *C.PD_Config) C.PD_Bool { return C.PD_ConfigMemoryOptimEnabled(p) })
}

// EnableProfile turns on per-op timing.
func (c *Config) EnableProfile() error {
	return c.set("EnableProfile", func(p *C.PD_Config) { C.PD_ConfigEnableProfile(p) })
}

// ProfileEnabled reports whether per-op timing is on.
func (c *Config) ProfileEnabled() bool {
	return c.flag(func(p *C.PD_Config) C.PD_Bool { return C.PD_ConfigProfileEnabled(p) })
}

// DisableGlogInfo silences the library's informational logging.
func (c *Config) DisableGlogInfo() error {
	return c.set("DisableGlogInfo", func(p *C.PD_Config) { C.PD_ConfigDisableGlogInfo(p) })
}

// GlogInfoDisabled reports whether informational logging is off.
func (c *Config) GlogInfoDisabled() bool {
	return c.flag(func(p *C.PD_Config) C.PD_Bool { return C.PD_ConfigGlogInfoDisabled(p) })
}

// ---- CPU ----

// SetCpuMathLibraryNumThreads sets the threads one predictor's math kernels may use.
func (c *Config) SetCpuMathLibraryNumThreads(mathThreadsNum int) error {
	if mathThreadsNum < 0 || mathThreadsNum > math.MaxInt32 {
		return errors.Errorf("paddle: Config.SetCpuMathLibraryNumThreads: bad thread count %d", mathThreadsNum)
	}
	return c.set("SetCpuMathLibraryNumThreads", func(p *C.PD_Config) {
		C.PD_ConfigSetCpuMathLibraryNumThreads(p, C.int32_t(mathThreadsNum))
	})
}

// CpuMathLibraryNumThreads returns the math thread count.
func (c *Config) CpuMathLibraryNumThreads() int32 {
	defer runtime.KeepAlive(c)
	if c == nil || c.c == nil {
		return 0
	}
	return int32(C.PD_ConfigGetCpuMathLibraryNumThreads(c.c))
}

// ---- oneDNN ----

// EnableMKLDNN runs CPU kernels on oneDNN.
func (c *Config) EnableMKLDNN() error {
	return c.set("EnableMKLDNN", func(p *C.PD_Config) { C.PD_ConfigEnableMKLDNN(p) })
}

// MkldnnEnabled reports whether oneDNN kernels are used.
func (c *Config) MkldnnEnabled() bool {
	return c.flag(func(p *C.PD_Config) C.PD_Bool { return C.PD_ConfigMkldnnEnabled(p) })
}

// SetMkldnnCacheCapacity bounds oneDNN's cache of input shapes.
func (c *Config) SetMkldnnCacheCapacity(capacity int32) error {
	return c.set("SetMkldnnCacheCapacity", func(p *C.PD_Config) {
		C.PD_ConfigSetMkldnnCacheCapacity(p, C.int32_t(capacity))
	})
}

// SetMKLDNNOp limits oneDNN to the named op types.
func (c *Config) SetMKLDNNOp(ops []string) error {
	return c.setStrings("SetMKLDNNOp", ops, func(p *C.PD_Config, n C.size_t, s **C.char) {
		C.PD_ConfigSetMkldnnOp(p, n, s)
	})
}

// EnableMkldnnQuantizer turns on oneDNN post-training quantisation.
func (c *Config) EnableMkldnnQuantizer() error {
	return c.set("EnableMkldnnQuantizer", func(p *C.PD_Config) { C.PD_ConfigEnableMkldnnQuantizer(p) })
}

// MkldnnQuantizerEnabled reports whether the oneDNN quantiser is on.
func (c *Config) MkldnnQuantizerEnabled() bool {
	return c.flag(func(p *C.PD_Config) C.PD_Bool { return C.PD_ConfigMkldnnQuantizerEnabled(p) })
}

// EnableMkldnnBfloat16 runs the convolutions in bfloat16 (float32 in and out, bfloat16
// products), as Paddle does, where oneDNN has bfloat16 kernels for this CPU (AVX-512; with
// the BF16 instructions about twice as fast as float32); elsewhere it leaves float32 on, and
// MkldnnBfloat16Enabled says false. Needs IR optimisation (on by default).
func (c *Config) EnableMkldnnBfloat16() error {
	return c.set("EnableMkldnnBfloat16", func(p *C.PD_Config) { C.PD_ConfigEnableMkldnnBfloat16(p) })
}

// Bfloat16Native reports whether oneDNN runs bfloat16 convolutions natively on this CPU (an
// AVX-512 one), which EnableMkldnnBfloat16 needs; elsewhere bfloat16 training is emulated, at
// float32's precision cost without its speed.
func Bfloat16Native() bool {
	c, err := NewConfig()
	if err != nil {
		return false
	}
	defer c.Destroy()
	return c.EnableMkldnnBfloat16() == nil && c.MkldnnBfloat16Enabled()
}

// MkldnnBfloat16Enabled reports whether the convolutions run in bfloat16.
func (c *Config) MkldnnBfloat16Enabled() bool {
	return c.flag(func(p *C.PD_Config) C.PD_Bool { return C.PD_ConfigMkldnnBfloat16Enabled(p) })
}

// SetBfloat16Op names the op types to run in bfloat16 (without it: conv2d). conv2d,
// depthwise_conv2d, mul, matmul and matmul_v2 have bfloat16 kernels (not the fc that the
// fusion pass makes of a mul and its bias); other names are accepted and stay float32.
func (c *Config) SetBfloat16Op(ops []string) error {
	return c.setStrings("SetBfloat16Op", ops, func(p *C.PD_Config, n C.size_t, s **C.char) {
		C.PD_ConfigSetBfloat16Op(p, n, s)
	})
}

// EnableMkldnnInt8 runs oneDNN kernels in int8.
func (c *Config) EnableMkldnnInt8() error {
	return c.set("EnableMkldnnInt8", func(p *C.PD_Config) { C.PD_ConfigEnableMkldnnInt8(p) })
}

// MkldnnInt8Enabled reports whether oneDNN runs in int8.
func (c *Config) MkldnnInt8Enabled() bool {
	return c.flag(func(p *C.PD_Config) C.PD_Bool { return C.PD_ConfigMkldnnInt8Enabled(p) })
}
