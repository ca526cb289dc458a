package paddle

// #include <stdlib.h>
// #include <pd_types.h>
// #include <pd_utils.h>
import "C"

import (
	"strings"
	"unsafe"

	"github.com/pkg/errors"
)

// cString copies s into C memory; the caller frees it. A NUL inside s is refused because C
// would silently read only the part before it (e.g. a different file path).
func cString(s string) (*C.char, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return nil, errors.Errorf("paddle: string %q contains a NUL byte", s)
	}
	return C.CString(s), nil
}

// cStrings is a C array of C strings, allocated in C memory because C may not receive Go
// memory that holds Go pointers.
type cStrings struct {
	ptr **C.char
	n   int
}

func newCStrings(ss []string) (*cStrings, error) {
	a := &cStrings{}
	if len(ss) == 0 {
		return a, nil
	}
	a.ptr = (**C.char)(C.calloc(C.size_t(len(ss)), C.size_t(unsafe.Sizeof((*C.char)(nil)))))
	elems := unsafe.Slice(a.ptr, len(ss))
	for i, s := range ss {
		cs, err := cString(s)
		if err != nil {
			a.free()
			return nil, err
		}
		elems[i] = cs
		a.n = i + 1
	}
	return a, nil
}

func (a *cStrings) free() {
	if a.ptr == nil {
		return
	}
	for _, s := range unsafe.Slice(a.ptr, a.n) {
		C.free(unsafe.Pointer(s))
	}
	C.free(unsafe.Pointer(a.ptr))
	a.ptr = nil
}

// goStrings copies a library-owned string array into Go and releases it.
func goStrings(arr *C.PD_OneDimArrayCstr) []string {
	if arr == nil {
		return nil
	}
	defer C.PD_OneDimArrayCstrDestroy(arr)
	out := make([]string, 0, int(arr.size))
	for _, s := range unsafe.Slice(arr.data, int(arr.size)) {
		out = append(out, C.GoString(s))
	}
	return out
}

func cBool(b bool) C.PD_Bool {
	if b {
		return 1
	}
	return 0
}
