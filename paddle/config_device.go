package paddle

// #include <stdlib.h>
// #include <pd_config.h>
import "C"

import (
	"runtime"
	"unsafe"

	"github.com/pkg/errors"
)

// Precision is the numeric precision an engine runs in.
type Precision C.PD_PrecisionType

// Precisions of PD_PrecisionType.
const (
	PrecisionFloat32 Precision = C.PD_PRECISION_FLOAT32
	PrecisionInt8    Precision = C.PD_PRECISION_INT8
	PrecisionHalf    Precision = C.PD_PRECISION_HALF
)

// ---- GPU ----

// EnableUseGpu runs the model on GPU deviceID with an initial memory pool of memorySize MB,
// in float32.
func (c *Config) EnableUseGpu(memorySize uint64, deviceID int32) error {
	return c.EnableUseGpuPrecision(memorySize, deviceID, PrecisionFloat32)
}

// EnableUseGpuPrecision is EnableUseGpu with a precision.
func (c *Config) EnableUseGpuPrecision(memorySize uint64, deviceID int32, precision Precision) error {
	return c.set("EnableUseGpu", func(p *C.PD_Config) {
		C.PD_ConfigEnableUseGpu(p, C.uint64_t(memorySize), C.int32_t(deviceID), C.PD_PrecisionType(precision))
	})
}

// DisableGpu runs the model on the CPU.
func (c *Config) DisableGpu() error {
	return c.set("DisableGpu", func(p *C.PD_Config) { C.PD_ConfigDisableGpu(p) })
}

// UseGpu reports whether the model runs on a GPU.
func (c *Config) UseGpu() bool {
	return c.flag(func(p *C.PD_Config) C.PD_Bool { return C.PD_ConfigUseGpu(p) })
}

// GpuDeviceId returns the GPU the model runs on.
func (c *Config) GpuDeviceId() int32 {
	defer runtime.KeepAlive(c)
	if c == nil || c.c == nil {
		return 0
	}
	return int32(C.PD_ConfigGpuDeviceId(c.c))
}

// MemoryPoolInitSizeMb returns the initial GPU memory pool in MB.
func (c *Config) MemoryPoolInitSizeMb() int32 {
	defer runtime.KeepAlive(c)
	if c == nil || c.c == nil {
		return 0
	}
	return int32(C.PD_ConfigMemoryPoolInitSizeMb(c.c))
}

// FractionOfGpuMemoryForPool returns the share of GPU memory the pool starts with.
func (c *Config) FractionOfGpuMemoryForPool() float32 {
	defer runtime.KeepAlive(c)
	if c == nil || c.c == nil {
		return 0
	}
	return float32(C.PD_ConfigFractionOfGpuMemoryForPool(c.c))
}

// EnableCudnn runs GPU kernels on cuDNN where available.
func (c *Config) EnableCudnn() error {
	return c.set("EnableCudnn", func(p *C.PD_Config) { C.PD_ConfigEnableCudnn(p) })
}

// CudnnEnabled reports whether cuDNN is used.
func (c *Config) CudnnEnabled() bool {
	return c.flag(func(p *C.PD_Config) C.PD_Bool { return C.PD_ConfigCudnnEnabled(p) })
}

// EnableGpuMultiStream gives each thread its own GPU stream.
func (c *Config) EnableGpuMultiStream() error {
	return c.set("EnableGpuMultiStream", func(p *C.PD_Config) { C.PD_ConfigEnableGpuMultiStream(p) })
}

// ThreadLocalStreamEnabled reports whether each thread has its own GPU stream.
func (c *Config) ThreadLocalStreamEnabled() bool {
	return c.flag(func(p *C.PD_Config) C.PD_Bool { return C.PD_ConfigThreadLocalStreamEnabled(p) })
}

// SetExecStream makes the predictor run on an existing GPU stream (a cudaStream_t).
func (c *Config) SetExecStream(stream unsafe.Pointer) error {
	return c.set("SetExecStream", func(p *C.PD_Config) { C.PD_ConfigSetExecStream(p, stream) })
}

// ---- ONNXRuntime ----

// EnableONNXRuntime runs the model on ONNXRuntime.
func (c *Config) EnableONNXRuntime() error {
	return c.set("EnableONNXRuntime", func(p *C.PD_Config) { C.PD_ConfigEnableONNXRuntime(p) })
}

// DisableONNXRuntime turns ONNXRuntime off.
func (c *Config) DisableONNXRuntime() error {
	return c.set("DisableONNXRuntime", func(p *C.PD_Config) { C.PD_ConfigDisableONNXRuntime(p) })
}

// ONNXRuntimeEnabled reports whether ONNXRuntime runs the model.
func (c *Config) ONNXRuntimeEnabled() bool {
	return c.flag(func(p *C.PD_Config) C.PD_Bool { return C.PD_ConfigONNXRuntimeEnabled(p) })
}

// EnableORTOptimization turns on ONNXRuntime's graph optimisation.
func (c *Config) EnableORTOptimization() error {
	return c.set("EnableORTOptimization", func(p *C.PD_Config) { C.PD_ConfigEnableORTOptimization(p) })
}

// ---- XPU and custom devices ----

// EnableXpu runs the model on a Kunlun XPU.
func (c *Config) EnableXpu(l3Size int32, l3Locked, convAutotune bool, convAutotuneFile,
	transformerEncoderPrecision string, transformerEncoderAdaptiveSeqlen, enableMultiStream bool) error {
	file, err := cString(convAutotuneFile)
	if err != nil {
		return errors.Wrap(err, "Config.EnableXpu")
	}
	defer C.free(unsafe.Pointer(file))
	prec, err := cString(transformerEncoderPrecision)
	if err != nil {
		return errors.Wrap(err, "Config.EnableXpu")
	}
	defer C.free(unsafe.Pointer(prec))
	return c.set("EnableXpu", func(p *C.PD_Config) {
		C.PD_ConfigEnableXpu(p, C.int32_t(l3Size), cBool(l3Locked), cBool(convAutotune), file, prec,
			cBool(transformerEncoderAdaptiveSeqlen), cBool(enableMultiStream))
	})
}

// UseXpu reports whether the model runs on an XPU.
func (c *Config) UseXpu() bool {
	return c.flag(func(p *C.PD_Config) C.PD_Bool { return C.PD_ConfigUseXpu(p) })
}

// XpuDeviceId returns the XPU the model runs on.
func (c *Config) XpuDeviceId() int32 {
	defer runtime.KeepAlive(c)
	if c == nil || c.c == nil {
		return 0
	}
	return int32(C.PD_ConfigXpuDeviceId(c.c))
}

// EnableCustomDevice runs the model on a plug-in device type.
func (c *Config) EnableCustomDevice(deviceType string, deviceID int32) error {
	return c.setString("EnableCustomDevice", deviceType, func(p *C.PD_Config, s *C.char) {
		C.PD_ConfigEnableCustomDevice(p, s, C.int32_t(deviceID))
	})
}

// UseCustomDevice reports whether a plug-in device runs the model.
func (c *Config) UseCustomDevice() bool {
	return c.flag(func(p *C.PD_Config) C.PD_Bool { return C.PD_ConfigUseCustomDevice(p) })
}

// CustomDeviceId returns the plug-in device id.
func (c *Config) CustomDeviceId() int32 {
	defer runtime.KeepAlive(c)
	if c == nil || c.c == nil {
		return 0
	}
	return int32(C.PD_ConfigCustomDeviceId(c.c))
}

// CustomDeviceType returns the plug-in device type.
func (c *Config) CustomDeviceType() string {
	defer runtime.KeepAlive(c)
	if c == nil || c.c == nil {
		return ""
	}
	s := C.PD_ConfigCustomDeviceType(c.c)
	if s == nil {
		return ""
	}
	defer C.free(unsafe.Pointer(s)) // a malloc'ed copy (pd_config.h)
	return C.GoString(s)
}

// ---- Paddle-Lite sub-graphs ----

// EnableLiteEngine hands sub-graphs to Paddle-Lite, except the listed passes and ops.
func (c *Config) EnableLiteEngine(precision Precision, zeroCopy bool, passesFilter, opsFilter []string) error {
	passes, err := newCStrings(passesFilter)
	if err != nil {
		return errors.Wrap(err, "Config.EnableLiteEngine")
	}
	defer passes.free()
	ops, err := newCStrings(opsFilter)
	if err != nil {
		return errors.Wrap(err, "Config.EnableLiteEngine")
	}
	defer ops.free()
	return c.set("EnableLiteEngine", func(p *C.PD_Config) {
		C.PD_ConfigEnableLiteEngine(p, C.PD_PrecisionType(precision), cBool(zeroCopy),
			C.size_t(passes.n), passes.ptr, C.size_t(ops.n), ops.ptr)
	})
}

// LiteEngineEnabled reports whether Paddle-Lite runs sub-graphs.
func (c *Config) LiteEngineEnabled() bool {
	return c.flag(func(p *C.PD_Config) C.PD_Bool { return C.PD_ConfigLiteEngineEnabled(p) })
}
