package paddle

// #include <stdlib.h>
// #include <stdint.h>
// #include <pd_config.h>
import "C"

import (
	"runtime"
	"slices"
	"unsafe"

	"github.com/pkg/errors"
)

// EnableTensorRtEngine hands sub-graphs to TensorRT.
func (c *Config) EnableTensorRtEngine(workspaceSize int64, maxBatchSize, minSubgraphSize int32,
	precision Precision, useStatic, useCalibMode bool) error {
	return c.set("EnableTensorRtEngine", func(p *C.PD_Config) {
		C.PD_ConfigEnableTensorRtEngine(p, C.int64_t(workspaceSize), C.int32_t(maxBatchSize),
			C.int32_t(minSubgraphSize), C.PD_PrecisionType(precision), cBool(useStatic), cBool(useCalibMode))
	})
}

// TensorRtEngineEnabled reports whether TensorRT runs sub-graphs.
func (c *Config) TensorRtEngineEnabled() bool {
	return c.flag(func(p *C.PD_Config) C.PD_Bool { return C.PD_ConfigTensorRtEngineEnabled(p) })
}

// SetTRTDynamicShapeInfo gives TensorRT the minimum, maximum and optimal shape of each
// named input. The three maps must name the same tensors with shapes of equal rank.
func (c *Config) SetTRTDynamicShapeInfo(minInputShape, maxInputShape, optimInputShape map[string][]int32,
	disableTrtPluginFp16 bool) error {
	const op = "Config.SetTRTDynamicShapeInfo"
	names := make([]string, 0, len(minInputShape))
	for name := range minInputShape {
		names = append(names, name)
	}
	slices.Sort(names) // a stable order for the library's log and for tests
	if len(maxInputShape) != len(names) || len(optimInputShape) != len(names) {
		return errors.Errorf("paddle: %s: the min, max and optim maps name different tensors", op)
	}
	nums := make([]C.size_t, len(names))
	var mins, maxs, opts [][]int32
	for i, name := range names {
		lo := minInputShape[name]
		hi, okMax := maxInputShape[name]
		opt, okOpt := optimInputShape[name]
		if !okMax || !okOpt || len(hi) != len(lo) || len(opt) != len(lo) {
			return errors.Errorf("paddle: %s: %q has shapes of different rank or is missing", op, name)
		}
		nums[i] = C.size_t(len(lo))
		mins, maxs, opts = append(mins, lo), append(maxs, hi), append(opts, opt)
	}
	cNames, err := newCStrings(names)
	if err != nil {
		return errors.Wrap(err, op)
	}
	defer cNames.free()
	cMin, cMax, cOpt := newCInt32Rows(mins), newCInt32Rows(maxs), newCInt32Rows(opts)
	defer cMin.free()
	defer cMax.free()
	defer cOpt.free()
	var numsPtr *C.size_t
	if len(nums) > 0 {
		numsPtr = &nums[0]
	}
	return c.set("SetTRTDynamicShapeInfo", func(p *C.PD_Config) {
		C.PD_ConfigSetTrtDynamicShapeInfo(p, C.size_t(len(names)), cNames.ptr, numsPtr,
			cMin.ptr, cMax.ptr, cOpt.ptr, cBool(disableTrtPluginFp16))
	})
}

// TensorRtDynamicShapeEnabled reports whether dynamic shapes were given.
func (c *Config) TensorRtDynamicShapeEnabled() bool {
	return c.flag(func(p *C.PD_Config) C.PD_Bool { return C.PD_ConfigTensorRtDynamicShapeEnabled(p) })
}

// EnableTunedTensorRtDynamicShape uses shape ranges collected earlier (CollectShapeRangeInfo).
func (c *Config) EnableTunedTensorRtDynamicShape(shapeRangeInfoPath string, allowBuildAtRuntime bool) error {
	return c.setString("EnableTunedTensorRtDynamicShape", shapeRangeInfoPath, func(p *C.PD_Config, s *C.char) {
		C.PD_ConfigEnableTunedTensorRtDynamicShape(p, s, cBool(allowBuildAtRuntime))
	})
}

// TunedTensorRtDynamicShape reports whether collected shape ranges are used.
func (c *Config) TunedTensorRtDynamicShape() bool {
	return c.flag(func(p *C.PD_Config) C.PD_Bool { return C.PD_ConfigTunedTensorRtDynamicShape(p) })
}

// TrtAllowBuildAtRuntime reports whether TensorRT may rebuild engines for new shapes.
func (c *Config) TrtAllowBuildAtRuntime() bool {
	return c.flag(func(p *C.PD_Config) C.PD_Bool { return C.PD_ConfigTrtAllowBuildAtRuntime(p) })
}

// CollectShapeRangeInfo records the input shape ranges seen at run time into a file.
func (c *Config) CollectShapeRangeInfo(shapeRangeInfoPath string) error {
	return c.setString("CollectShapeRangeInfo", shapeRangeInfoPath, func(p *C.PD_Config, s *C.char) {
		C.PD_ConfigCollectShapeRangeInfo(p, s)
	})
}

// ShapeRangeInfoPath returns the file given to CollectShapeRangeInfo.
func (c *Config) ShapeRangeInfoPath() string {
	defer runtime.KeepAlive(c)
	if c == nil || c.c == nil {
		return ""
	}
	s := C.PD_ConfigShapeRangeInfoPath(c.c)
	if s == nil {
		return ""
	}
	defer C.free(unsafe.Pointer(s)) // a malloc'ed copy (pd_config.h)
	return C.GoString(s)
}

// ShapeRangeInfoCollected reports whether shape ranges are being collected.
func (c *Config) ShapeRangeInfoCollected() bool {
	return c.flag(func(p *C.PD_Config) C.PD_Bool { return C.PD_ConfigShapeRangeInfoCollected(p) })
}

// DisableTensorRtOPs keeps the named op types out of TensorRT.
func (c *Config) DisableTensorRtOPs(ops []string) error {
	return c.setStrings("DisableTensorRtOPs", ops, func(p *C.PD_Config, n C.size_t, s **C.char) {
		C.PD_ConfigDisableTensorRtOPs(p, n, s)
	})
}

// EnableVarseqlen turns on TensorRT's variable-length transformer kernels.
func (c *Config) EnableVarseqlen() error {
	return c.set("EnableVarseqlen", func(p *C.PD_Config) { C.PD_ConfigEnableVarseqlen(p) })
}

// TensorrtOssEnabled reports whether variable-length kernels are on.
func (c *Config) TensorrtOssEnabled() bool {
	return c.flag(func(p *C.PD_Config) C.PD_Bool { return C.PD_ConfigTensorRtOssEnabled(p) })
}

// EnableTensorRtDLA runs TensorRT on a DLA core.
func (c *Config) EnableTensorRtDLA(dlaCore int32) error {
	return c.set("EnableTensorRtDLA", func(p *C.PD_Config) { C.PD_ConfigEnableTensorRtDla(p, C.int32_t(dlaCore)) })
}

// TensorrtDlaEnabled reports whether TensorRT runs on a DLA core.
func (c *Config) TensorrtDlaEnabled() bool {
	return c.flag(func(p *C.PD_Config) C.PD_Bool { return C.PD_ConfigTensorRtDlaEnabled(p) })
}

// cInt32Rows is a C array of C int32 arrays (C may not receive Go memory holding Go pointers).
type cInt32Rows struct {
	ptr  **C.int32_t
	rows []*C.int32_t
}

func newCInt32Rows(rows [][]int32) *cInt32Rows {
	a := &cInt32Rows{}
	if len(rows) == 0 {
		return a
	}
	a.ptr = (**C.int32_t)(C.calloc(C.size_t(len(rows)), C.size_t(unsafe.Sizeof((*C.int32_t)(nil)))))
	a.rows = unsafe.Slice(a.ptr, len(rows))
	for i, row := range rows {
		a.rows[i] = (*C.int32_t)(C.calloc(C.size_t(max(len(row), 1)), C.sizeof_int32_t))
		copy(unsafe.Slice((*int32)(unsafe.Pointer(a.rows[i])), len(row)), row)
	}
	return a
}

func (a *cInt32Rows) free() {
	for _, r := range a.rows {
		C.free(unsafe.Pointer(r))
	}
	C.free(unsafe.Pointer(a.ptr))
}
