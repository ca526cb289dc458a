package paddle

// #define _GNU_SOURCE
// #include <dlfcn.h>
// #include <stddef.h>
// #include <stdlib.h>
// #include <pd_config.h>
//
// // The GPU extensions of pd_ext.h exist only in gohub's library; like PD_GetLastError they
// // are looked up at run time so that the binary still loads against the official one.
// // cgo cannot call a C function pointer, hence one trampoline per signature.
// typedef void (*gohub_set_flag_fn)(PD_Config*, PD_Bool);
// typedef PD_Bool (*gohub_get_flag_fn)(PD_Config*);
// typedef const char* (*gohub_gpu_info_fn)(void);
//
// static void* gohub_lookup(const char* name) { return dlsym(RTLD_DEFAULT, name); }
//
// static void gohub_set_flag(void* f, PD_Config* c, PD_Bool on) { ((gohub_set_flag_fn)f)(c, on); }
// static PD_Bool gohub_get_flag(void* f, PD_Config* c) { return ((gohub_get_flag_fn)f)(c); }
// static const char* gohub_gpu_info(void* f) { return ((gohub_gpu_info_fn)f)(); }
import "C"

import (
	"strings"
	"unsafe"

	"github.com/pkg/errors"
)

// ErrNoExtension: the linked library lacks a gohub extension (pd_ext.h), as the official
// Paddle Inference library does. Match it with errors.Is.
var ErrNoExtension = errors.New("paddle: not in the linked library " +
	"(a gohub extension; gohub's bundled libpaddle_inference_c has it)")

// gpuExt holds the GPU extensions' addresses, nil where the library lacks them. A variable,
// not constants, so that tests can play the official library.
var gpuExt = struct {
	setTF32, tf32Enabled, info, setGraph, graphEnabled unsafe.Pointer
}{lookup("PD_ConfigSetGpuTF32"), lookup("PD_ConfigGpuTF32Enabled"), lookup("PD_GpuInfo"),
	lookup("PD_ConfigSetGpuGraph"), lookup("PD_ConfigGpuGraphEnabled")}

func lookup(name string) unsafe.Pointer {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	return C.gohub_lookup(cs)
}

// SetGpuTF32 allows TF32 tensor-core math for float32 convolutions and matrix products on
// the GPU: faster, with about 10 bits of mantissa in the products. It is off by default so
// that GPU results match the CPU's to float32 rounding, and has no effect on the CPU. It
// fails with ErrNoExtension against a library other than gohub's.
func (c *Config) SetGpuTF32(allow bool) error {
	return c.setExtFlag("SetGpuTF32", "PD_ConfigSetGpuTF32", gpuExt.setTF32, allow)
}

// GpuTF32Enabled reports whether TF32 math is allowed on the GPU; false where the library
// lacks the setting.
func (c *Config) GpuTF32Enabled() bool { return c.extFlag(gpuExt.tf32Enabled) }

// SetGpuGraph records a GPU predictor's run as a CUDA graph and replays the recording on later
// runs of the same input shapes, when every op of the model runs on the GPU: a small batch no
// longer pays the host's time to queue each kernel (ResNet-50 at batch 1 on an H200: 2.7 ms
// instead of 3.9). The first run at new shapes runs op by op, the second records and
// launches. Off by default; ignored with EnableMemoryOptim. It fails with ErrNoExtension
// against a library other than gohub's.
func (c *Config) SetGpuGraph(on bool) error {
	return c.setExtFlag("SetGpuGraph", "PD_ConfigSetGpuGraph", gpuExt.setGraph, on)
}

// GpuGraphEnabled reports whether SetGpuGraph is on; false where the library lacks it.
func (c *Config) GpuGraphEnabled() bool { return c.extFlag(gpuExt.graphEnabled) }

// setExtFlag sets a boolean gohub extension of the config through its setter f, which is nil
// where the library lacks it (named fn in the error).
func (c *Config) setExtFlag(op, fn string, f unsafe.Pointer, on bool) error {
	if f == nil {
		return errors.Wrap(ErrNoExtension, "Config."+op+": "+fn)
	}
	return c.set(op, func(p *C.PD_Config) { C.gohub_set_flag(f, p, cBool(on)) })
}

// extFlag reads a boolean gohub extension of the config through its getter f; false where f
// is nil (the library lacks it).
func (c *Config) extFlag(f unsafe.Pointer) bool {
	if f == nil {
		return false
	}
	return c.flag(func(p *C.PD_Config) C.PD_Bool { return C.gohub_get_flag(f, p) })
}

// GPUInfo describes the library's GPU support in one line: the CUDA backend's driver,
// runtime, cuDNN and cuBLAS versions and the GPUs it sees, or "unavailable: " and the reason
// (not built, a CUDA library missing, no GPU, or a library other than gohub's). The first
// call loads the CUDA backend when there is one.
func GPUInfo() string {
	if gpuExt.info == nil {
		return "unavailable: the linked Paddle Inference C library lacks PD_GpuInfo " +
			"(a gohub extension), so it cannot describe its GPU support"
	}
	return C.GoString(C.gohub_gpu_info(gpuExt.info))
}

// GPUUnavailable returns GPUInfo's reason and true where there is no usable GPU.
func GPUUnavailable() (reason string, unavailable bool) {
	return strings.CutPrefix(GPUInfo(), "unavailable: ")
}
