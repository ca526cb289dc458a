package paddle

// #include <stdlib.h>
// #include <pd_tensor.h>
// #include <pd_types.h>
// #include <pd_utils.h>
//
// // Builds the PD_TwoDimArraySize that PD_TensorSetLod reads from Go-owned offsets (flat,
// // level after level, lens[i] each) and calls it, all in one C call, so that no C memory
// // ever holds a Go pointer after the call returns.
// static int gohub_tensor_set_lod(PD_Tensor* t, size_t levels, const size_t* lens, size_t* flat) {
//   size_t n = levels > 0 ? levels : 1;
//   PD_OneDimArraySize* rows = calloc(n, sizeof *rows);
//   PD_OneDimArraySize** ptrs = calloc(n, sizeof *ptrs);
//   if (rows == NULL || ptrs == NULL) {
//     free(rows);
//     free(ptrs);
//     return 0;
//   }
//   size_t off = 0;
//   for (size_t i = 0; i < levels; i++) {
//     rows[i].size = lens[i];
//     rows[i].data = flat + off;
//     off += lens[i];
//     ptrs[i] = &rows[i];
//   }
//   PD_TwoDimArraySize lod = {levels, ptrs};
//   PD_TensorSetLod(t, &lod);
//   free(rows);
//   free(ptrs);
//   return 1;
// }
import "C"

import (
	"runtime"
	"unsafe"

	"github.com/pkg/errors"
)

// DataType is a tensor's element type.
type DataType C.PD_DataType

// Data types of PD_DataType.
const (
	Unk     DataType = C.PD_DATA_UNK
	Float32 DataType = C.PD_DATA_FLOAT32
	Int32   DataType = C.PD_DATA_INT32
	Int64   DataType = C.PD_DATA_INT64
	Uint8   DataType = C.PD_DATA_UINT8
	Int8    DataType = C.PD_DATA_INT8
)

func (d DataType) String() string {
	switch d {
	case Float32:
		return "float32"
	case Int32:
		return "int32"
	case Int64:
		return "int64"
	case Uint8:
		return "uint8"
	case Int8:
		return "int8"
	}
	return "unknown"
}

// PlaceType is where a tensor's data lives.
type PlaceType C.PD_PlaceType

// Places of PD_PlaceType.
const (
	UnkPlace    PlaceType = C.PD_PLACE_UNK
	CpuPlace    PlaceType = C.PD_PLACE_CPU
	GpuPlace    PlaceType = C.PD_PLACE_GPU
	XpuPlace    PlaceType = C.PD_PLACE_XPU
	CustomPlace PlaceType = C.PD_PLACE_CUSTOM
)

// Tensor is a handle on one input or output of a Predictor. Like its predictor it serves
// one goroutine at a time. It is valid while the predictor lives; Destroy releases the
// handle only, never the predictor's variable.
type Tensor struct {
	c       *C.PD_Tensor
	owner   *Predictor // keeps the predictor alive while the handle is reachable
	cleanup runtime.Cleanup
}

func newTensor(c *C.PD_Tensor, owner *Predictor) *Tensor {
	t := &Tensor{c: c, owner: owner}
	// Only a safety net; the handle does not touch the predictor when released.
	t.cleanup = runtime.AddCleanup(t, func(c *C.PD_Tensor) { C.PD_TensorDestroy(c) }, c)
	return t
}

// Destroy releases the handle. Calling it twice is harmless.
func (t *Tensor) Destroy() {
	if t == nil || t.c == nil {
		return
	}
	t.cleanup.Stop()
	C.PD_TensorDestroy(t.c)
	t.c = nil
}

func (t *Tensor) handle(op string) (*C.PD_Tensor, error) {
	switch {
	case t == nil || t.c == nil:
		return nil, errors.Wrapf(ErrDestroyed, "Tensor.%s: tensor", op)
	case t.owner.c == nil:
		return nil, errors.Wrapf(ErrDestroyed, "Tensor.%s: its predictor", op)
	}
	return t.c, nil
}

// Name returns the variable's name, "" once destroyed.
func (t *Tensor) Name() string {
	defer runtime.KeepAlive(t)
	h, err := t.handle("Name")
	if err != nil {
		return ""
	}
	return C.GoString(C.PD_TensorGetName(h))
}

// Reshape sets the shape. Call it before copying an input in.
func (t *Tensor) Reshape(shape []int32) error {
	defer runtime.KeepAlive(t)
	h, err := t.handle("Reshape")
	if err != nil {
		return err
	}
	var ptr *C.int32_t
	if len(shape) > 0 {
		ptr = (*C.int32_t)(unsafe.Pointer(&shape[0])) // the library copies the dims
	}
	return call("Tensor.Reshape", func() { C.PD_TensorReshape(h, C.size_t(len(shape)), ptr) })
}

// Shape returns the current shape.
func (t *Tensor) Shape() ([]int32, error) {
	defer runtime.KeepAlive(t)
	h, err := t.handle("Shape")
	if err != nil {
		return nil, err
	}
	var arr *C.PD_OneDimArrayInt32
	if err := callFailed("Tensor.Shape", func() bool {
		arr = C.PD_TensorGetShape(h)
		return arr != nil
	}); err != nil {
		C.PD_OneDimArrayInt32Destroy(arr)
		return nil, err
	}
	defer C.PD_OneDimArrayInt32Destroy(arr)
	shape := make([]int32, int(arr.size))
	if arr.size > 0 {
		copy(shape, unsafe.Slice((*int32)(unsafe.Pointer(arr.data)), int(arr.size)))
	}
	return shape, nil
}

// Type returns the run-time data type: the type of the data last copied in or computed.
func (t *Tensor) Type() (DataType, error) {
	defer runtime.KeepAlive(t)
	h, err := t.handle("Type")
	if err != nil {
		return Unk, err
	}
	var d C.PD_DataType
	err = call("Tensor.Type", func() { d = C.PD_TensorGetDataType(h) })
	return DataType(d), err
}

// SetLod sets the level-of-detail offsets, e.g. [[0, 3, 7]] for two sequences of 3 and 4
// rows.
func (t *Tensor) SetLod(lod [][]uint) error {
	defer runtime.KeepAlive(t)
	h, err := t.handle("SetLod")
	if err != nil {
		return err
	}
	lens := make([]C.size_t, len(lod))
	var flat []C.size_t
	for i, level := range lod {
		lens[i] = C.size_t(len(level))
		for _, off := range level {
			flat = append(flat, C.size_t(off))
		}
	}
	var lensPtr, flatPtr *C.size_t
	if len(lens) > 0 {
		lensPtr = &lens[0]
	}
	if len(flat) > 0 {
		flatPtr = &flat[0]
	}
	return callFailed("Tensor.SetLod", func() bool {
		return C.gohub_tensor_set_lod(h, C.size_t(len(lod)), lensPtr, flatPtr) != 0
	})
}

// Lod returns the level-of-detail offsets; nil when the tensor has none.
func (t *Tensor) Lod() ([][]uint, error) {
	defer runtime.KeepAlive(t)
	h, err := t.handle("Lod")
	if err != nil {
		return nil, err
	}
	var arr *C.PD_TwoDimArraySize
	if err := callFailed("Tensor.Lod", func() bool {
		arr = C.PD_TensorGetLod(h)
		return arr != nil
	}); err != nil {
		C.PD_TwoDimArraySizeDestroy(arr)
		return nil, err
	}
	defer C.PD_TwoDimArraySizeDestroy(arr)
	if arr.size == 0 {
		return nil, nil
	}
	lod := make([][]uint, 0, int(arr.size))
	for _, row := range unsafe.Slice(arr.data, int(arr.size)) {
		level := make([]uint, int(row.size))
		if row.size > 0 {
			for i, off := range unsafe.Slice(row.data, int(row.size)) {
				level[i] = uint(off)
			}
		}
		lod = append(lod, level)
	}
	return lod, nil
}
