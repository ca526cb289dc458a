package paddle

// // The rpath finds the bundled library without any set-up; --enable-new-dtags makes it a
// // RUNPATH, which LD_LIBRARY_PATH overrides, so the same binary runs against the official
// // Paddle Inference C library (or a sanitizer build) by pointing LD_LIBRARY_PATH at it.
// #cgo CFLAGS: -I${SRCDIR}/../third_party/paddle_inference_c/paddle/include
// #cgo LDFLAGS: -L${SRCDIR}/../third_party/paddle_inference_c/paddle/lib -lpaddle_inference_c -ldl
// #cgo LDFLAGS: -Wl,--enable-new-dtags -Wl,-rpath,${SRCDIR}/../third_party/paddle_inference_c/paddle/lib
//
// #define _GNU_SOURCE
// #include <dlfcn.h>
// #include <stddef.h>
// #include <pd_predictor.h>
//
// // PD_GetLastError (pd_ext.h) exists only in gohub's library. Looking it up at run time
// // instead of linking it keeps the binary loadable against the official library.
// typedef const char* (*gohub_last_error_fn)(void);
// static gohub_last_error_fn gohub_last_error_ptr;
//
// static int gohub_find_last_error(void) {
//   gohub_last_error_ptr = (gohub_last_error_fn)dlsym(RTLD_DEFAULT, "PD_GetLastError");
//   return gohub_last_error_ptr != NULL;
// }
//
// static const char* gohub_last_error(void) {
//   return gohub_last_error_ptr != NULL ? gohub_last_error_ptr() : NULL;
// }
import "C"

import (
	"runtime"

	"github.com/pkg/errors"
)

// detailed is false when the linked library lacks PD_GetLastError (the official one).
var detailed = C.gohub_find_last_error() != 0

// Version returns the library's version text ("version: ...\ncommit: ...\nbranch: ...").
func Version() string {
	return C.GoString(C.PD_GetVersion())
}

// call runs f, which makes calls into the library, and returns the library's message for
// them as an *Error. The message is thread-local in the library, so f and the read of the
// message must run on one OS thread; cgo may otherwise move the goroutine between them.
func call(op string, f func()) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	f()
	if msg := C.gohub_last_error(); msg != nil && *msg != 0 {
		return &Error{Op: op, Message: C.GoString(msg)}
	}
	return nil
}

// callFailed is call for functions whose result itself says whether they failed (NULL or
// FALSE): a failure without a message still becomes an error.
func callFailed(op string, f func() bool) error {
	failed := false
	err := call(op, func() { failed = !f() })
	if err == nil && failed {
		return &Error{Op: op, Message: noDetail()}
	}
	return err
}

func noDetail() string {
	if detailed {
		return "failed (the library gave no message)"
	}
	return "failed; detailed messages need gohub's bundled libpaddle_inference_c " +
		"(the linked library has no PD_GetLastError)"
}

// Error is a failure reported by the library.
type Error struct {
	Op      string // the Go method, e.g. "Predictor.Run"
	Message string // the library's message
}

func (e *Error) Error() string { return "paddle: " + e.Op + ": " + e.Message }

// Errors the Go side detects before calling the library. Match them with errors.Is.
var (
	// ErrDestroyed: the object was destroyed, or the config was consumed by NewPredictor.
	ErrDestroyed = errors.New("paddle: object already destroyed")
	// ErrTypeMismatch: the Go slice's element type differs from the tensor's data type.
	ErrTypeMismatch = errors.New("paddle: data type mismatch")
	// ErrSizeMismatch: the slice length differs from the element count of the tensor's shape.
	ErrSizeMismatch = errors.New("paddle: size mismatch")
	// ErrUnsupportedType: the value is not a slice of float32, int64, int32, uint8 or int8.
	ErrUnsupportedType = errors.New("paddle: unsupported Go type")
)
