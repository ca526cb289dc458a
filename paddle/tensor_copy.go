package paddle

// #include <pd_tensor.h>
import "C"

import (
	"math"
	"runtime"
	"unsafe"

	"github.com/pkg/errors"
)

// Element is a Go type a tensor can hold.
type Element interface {
	float32 | int64 | int32 | uint8 | int8
}

// TypeOf returns the DataType of T.
func TypeOf[T Element]() DataType {
	var zero T
	switch any(zero).(type) {
	case float32:
		return Float32
	case int64:
		return Int64
	case int32:
		return Int32
	case uint8:
		return Uint8
	default:
		return Int8
	}
}

// CopyFromCpu copies data into t, which takes T's data type. len(data) must equal the
// element count of t's shape (set it with Reshape first). The library reads the slice in
// place: there is no intermediate copy.
func CopyFromCpu[T Element](t *Tensor, data []T) error {
	defer runtime.KeepAlive(t)
	h, n, err := t.numel("CopyFromCpu")
	if err != nil {
		return err
	}
	if n != len(data) {
		return errors.Wrapf(ErrSizeMismatch, "Tensor.CopyFromCpu: %d values for shape of %d elements", len(data), n)
	}
	ptr := first(data)
	return call("Tensor.CopyFromCpu", func() {
		switch p := any(ptr).(type) {
		case *float32:
			C.PD_TensorCopyFromCpuFloat(h, (*C.float)(unsafe.Pointer(p)))
		case *int64:
			C.PD_TensorCopyFromCpuInt64(h, (*C.int64_t)(unsafe.Pointer(p)))
		case *int32:
			C.PD_TensorCopyFromCpuInt32(h, (*C.int32_t)(unsafe.Pointer(p)))
		case *uint8:
			C.PD_TensorCopyFromCpuUint8(h, (*C.uint8_t)(unsafe.Pointer(p)))
		case *int8:
			C.PD_TensorCopyFromCpuInt8(h, (*C.int8_t)(unsafe.Pointer(p)))
		}
	})
}

// CopyToCpu copies t's data into data, which must have t's data type and as many elements
// as t's shape. The library writes the slice in place.
func CopyToCpu[T Element](t *Tensor, data []T) error {
	defer runtime.KeepAlive(t)
	h, n, err := t.numel("CopyToCpu")
	if err != nil {
		return err
	}
	got, err := t.Type()
	if err != nil {
		return err
	}
	// The official library reports INT8 tensors as UNK (pd_utils.cc), so UNK may be int8.
	if want := TypeOf[T](); got != want && !(want == Int8 && got == Unk) {
		return errors.Wrapf(ErrTypeMismatch, "Tensor.CopyToCpu: tensor %q holds %s, not %s", t.Name(), got, want)
	}
	if n != len(data) {
		return errors.Wrapf(ErrSizeMismatch, "Tensor.CopyToCpu: %d slots for shape of %d elements", len(data), n)
	}
	ptr := first(data)
	return call("Tensor.CopyToCpu", func() {
		switch p := any(ptr).(type) {
		case *float32:
			C.PD_TensorCopyToCpuFloat(h, (*C.float)(unsafe.Pointer(p)))
		case *int64:
			C.PD_TensorCopyToCpuInt64(h, (*C.int64_t)(unsafe.Pointer(p)))
		case *int32:
			C.PD_TensorCopyToCpuInt32(h, (*C.int32_t)(unsafe.Pointer(p)))
		case *uint8:
			C.PD_TensorCopyToCpuUint8(h, (*C.uint8_t)(unsafe.Pointer(p)))
		case *int8:
			C.PD_TensorCopyToCpuInt8(h, (*C.int8_t)(unsafe.Pointer(p)))
		}
	})
}

// first returns &data[0], or a pointer to a zero value for an empty slice: the library
// copies nothing then, but a valid pointer spares it a NULL check it may not make.
func first[T Element](data []T) *T {
	if len(data) == 0 {
		return new(T)
	}
	return &data[0]
}

// numel returns the handle and the element count of the current shape.
func (t *Tensor) numel(op string) (*C.PD_Tensor, int, error) {
	h, err := t.handle(op)
	if err != nil {
		return nil, 0, err
	}
	shape, err := t.Shape()
	if err != nil {
		return nil, 0, errors.WithMessage(err, "Tensor."+op)
	}
	n := 1
	for _, d := range shape {
		if d < 0 || (d > 0 && n > math.MaxInt/int(d)) {
			return nil, 0, errors.Errorf("paddle: Tensor.%s: bad shape %v", op, shape)
		}
		n *= int(d)
	}
	return h, n, nil
}

// CopyFromCpu is the generic CopyFromCpu for a value of type []float32, []int64, []int32,
// []uint8 or []int8, as in Paddle's Go API.
func (t *Tensor) CopyFromCpu(value interface{}) error {
	switch v := value.(type) {
	case []float32:
		return CopyFromCpu(t, v)
	case []int64:
		return CopyFromCpu(t, v)
	case []int32:
		return CopyFromCpu(t, v)
	case []uint8:
		return CopyFromCpu(t, v)
	case []int8:
		return CopyFromCpu(t, v)
	}
	return errors.Wrapf(ErrUnsupportedType, "Tensor.CopyFromCpu: %T", value)
}

// CopyToCpu is the generic CopyToCpu for a value of type []float32, []int64, []int32,
// []uint8 or []int8, as in Paddle's Go API.
func (t *Tensor) CopyToCpu(value interface{}) error {
	switch v := value.(type) {
	case []float32:
		return CopyToCpu(t, v)
	case []int64:
		return CopyToCpu(t, v)
	case []int32:
		return CopyToCpu(t, v)
	case []uint8:
		return CopyToCpu(t, v)
	case []int8:
		return CopyToCpu(t, v)
	}
	return errors.Wrapf(ErrUnsupportedType, "Tensor.CopyToCpu: %T", value)
}
